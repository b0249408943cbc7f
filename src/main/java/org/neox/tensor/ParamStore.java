package org.neox.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One flat parameter buffer and one flat gradient buffer of the same layout. Layers register
 * their views while the model is built ({@link #add}); {@link #allocate} then creates both
 * buffers once. Views are laid out in registration order, contiguously.
 */
public final class ParamStore {
    private final List<ParamView> views = new ArrayList<>();
    private long size;
    private float[] params;
    private float[] grads;

    /** Registers a parameter and returns its offset in the flat buffers. */
    public int add(String name, boolean weightDecay, int... shape) {
        if (params != null) {
            throw new IllegalStateException("parameter " + name + " added after allocation");
        }
        ParamView v = new ParamView(name, (int) size, shape.clone(), weightDecay);
        size += v.numel();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("parameters exceed one Java array: " + size);
        }
        views.add(v);
        return v.offset();
    }

    public void allocate() {
        params = new float[(int) size];
        grads = new float[(int) size];
    }

    public float[] params() {
        return params;
    }

    public float[] grads() {
        return grads;
    }

    public List<ParamView> views() {
        return Collections.unmodifiableList(views);
    }

    public long size() {
        return size;
    }

    public ParamView view(String name) {
        for (ParamView v : views) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("no parameter named " + name);
    }
}
