package org.neox.optim;

/** Training cannot go on because fp16 gradients keep overflowing (GPT-NeoX and DeepSpeed abort the run). */
public final class FatalOverflowError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FatalOverflowError(String message) {
        super(message);
    }
}
