package org.neox.ckpt;

import java.util.Arrays;

/**
 * A named view of {@code numel(shape)} floats starting at {@code offset} in a flat array: the
 * unit that checkpoint I/O works on. Parameters, gradients and Adam moments live in one flat
 * {@code float[]} per rank (COMMON.md); a view names a range of it without copying. For loads
 * the view is the destination and its shape is the expected shape.
 */
public record NamedTensor(String name, long[] shape, float[] data, int offset) {
    public NamedTensor {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name is empty");
        }
        shape = shape.clone();
        long n = numel(shape);
        if (offset < 0 || offset + n > data.length) {
            throw new IllegalArgumentException("tensor " + name + " " + Arrays.toString(shape)
                    + " at offset " + offset + " does not fit in an array of " + data.length);
        }
    }

    /** A view of a whole array (its length must equal the shape's element count). */
    public static NamedTensor of(String name, long[] shape, float[] data) {
        if (numel(shape) != data.length) {
            throw new IllegalArgumentException("tensor " + name + " " + Arrays.toString(shape)
                    + " needs " + numel(shape) + " floats, got " + data.length);
        }
        return new NamedTensor(name, shape, data, 0);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int numel() {
        return (int) numel(shape);
    }

    /** The view's floats as a fresh array. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + numel());
    }

    /** Element count of a shape; the empty shape is a scalar (1 element). */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " exceeds a Java array");
        }
        return n;
    }
}
