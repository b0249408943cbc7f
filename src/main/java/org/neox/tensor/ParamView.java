package org.neox.tensor;

import java.util.Arrays;

/**
 * A named slice {@code [offset, offset + numel)} of a flat parameter buffer (and of the gradient
 * and optimizer-moment buffers laid out the same way). {@code shape} is row-major, torch order
 * ({@code [out, in]} for linear weights). {@code weightDecay} says whether the parameter belongs
 * to the decayed group of spec §5.8 (false for norm parameters and biases).
 */
public record ParamView(String name, int offset, int[] shape, boolean weightDecay) {

    public int numel() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset + (weightDecay ? " decay" : " no-decay");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamView v && v.name.equals(name) && v.offset == offset
                && Arrays.equals(v.shape, shape) && v.weightDecay == weightDecay;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + offset;
    }
}
