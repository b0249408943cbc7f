package org.neox.ckpt;

import java.util.Arrays;

/**
 * One header entry of a safetensors file: dtype, shape and the byte range
 * {@code [begin, end)} relative to the start of the data section (after the header).
 * {@code dtypeName} is any safetensors dtype (BOOL, I64, ...); only F32/F16/BF16 can be read.
 */
public record TensorInfo(String name, String dtypeName, long[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The readable dtype, or null for the others (e.g. HF's BOOL attention-mask buffers). */
    public DType dtype() {
        return DType.parse(dtypeName);
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
