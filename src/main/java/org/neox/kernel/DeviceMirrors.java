package org.neox.kernel;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Device copies of host {@code float[]} buffers, keyed by array identity, and which copy is
 * current. A buffer gets its device copy (of the whole array) the first time a kernel uses it;
 * the copy is freed when the host array is garbage collected. Ownership follows
 * {@link Kernels#toHost}: a kernel that reads a buffer the host owns uploads it first; a kernel
 * that writes one makes the device copy the only current one until host code takes it back.
 *
 * <p>With {@code poison} (a debugging aid for tests) the host copy of a buffer the device owns
 * is filled with NaN, so that host code reading it without {@link #toHost} computes garbage
 * instead of silently reading an old value, and a kernel that uses a buffer whose host copy
 * changed since kernels last used it throws (a host write without {@link #toHost} first).
 * Thread-safe (one lock; transfers happen under it).
 */
final class DeviceMirrors {
    /** Which copy holds the current values. */
    private enum Owner { HOST, DEVICE, BOTH }

    private static final class Mirror extends WeakReference<float[]> {
        final int identity;
        final long address;
        final int length;
        Owner owner = Owner.HOST;
        /**
         * The host owns it since a toHost that found both copies equal: the device copy differs
         * only where host code wrote since.
         */
        boolean deviceWasCurrent;

        Mirror(float[] host, long address, ReferenceQueue<float[]> queue) {
            super(host, queue);
            this.identity = System.identityHashCode(host);
            this.address = address;
            this.length = host.length;
        }
    }

    /** Mirrors by the identity hash of their host array (distinct arrays may share a hash). */
    private final Map<Integer, Mirror[]> byIdentity = new HashMap<>();
    private final ReferenceQueue<float[]> collected = new ReferenceQueue<>();
    private final NativeDevice device;
    private final boolean poison;
    private long bytes;
    /** Bytes moved host to device and back since construction. */
    private long uploaded;
    private long downloaded;

    DeviceMirrors(NativeDevice device, boolean poison) {
        this.device = device;
        this.poison = poison;
    }

    /**
     * The device address of {@code host[off]} for a kernel that reads (and, if {@code written},
     * writes) {@code host[off, off+len)}; uploads the array first when the host owns it.
     */
    synchronized long use(float[] host, int off, long len, boolean written, String what) {
        NativeRanges.need(host, off, len, what);
        Mirror m = mirrorOf(host);
        if (m.owner == Owner.HOST) {
            device.upload(host, 0, m.address, host.length);
            uploaded += 4L * host.length;
            m.owner = Owner.BOTH;
        } else if (m.owner == Owner.BOTH && poison) {
            requireUnchangedOnHost(host, m, what);
        }
        if (written && m.owner != Owner.DEVICE) {
            m.owner = Owner.DEVICE;
            if (poison) {
                Arrays.fill(host, Float.NaN);
            }
        }
        return m.address + 4L * off;
    }

    /**
     * The device address of {@code host[0]} for a kernel that overwrites all of {@code host}
     * without reading it: no upload even when the host owns the array.
     */
    synchronized long overwriteAll(float[] host) {
        Mirror m = mirrorOf(host);
        if (m.owner != Owner.DEVICE) {
            m.owner = Owner.DEVICE;
            if (poison) {
                Arrays.fill(host, Float.NaN);
            }
        }
        return m.address;
    }

    /**
     * Checked mode: a buffer both sides hold must not have changed on the host since a kernel last
     * used it (host code must take it back with toHost before writing), else the kernels would
     * silently compute with the old values.
     */
    private void requireUnchangedOnHost(float[] host, Mirror m, String what) {
        float[] onDevice = new float[host.length];
        device.download(m.address, onDevice, 0, host.length);
        if (!Arrays.equals(onDevice, host)) {
            throw new IllegalStateException("operand " + what + " (float[" + host.length + "]) was written on the host"
                    + " after a kernel used it, without Kernels.toHost first: the kernels would not see the change");
        }
    }

    /** {@link Kernels#toHost}: downloads when the device owns {@code host}; then the host owns it. */
    synchronized void toHost(float[] host) {
        Mirror m = find(host);
        if (m == null) {
            return;
        }
        if (m.owner == Owner.DEVICE) {
            device.download(m.address, host, 0, host.length);
            downloaded += 4L * host.length;
        }
        // already the host's: it may have written since, so the device copy is not known current
        m.deviceWasCurrent = m.owner != Owner.HOST;
        m.owner = Owner.HOST;
    }

    /** Whether only the host copy of {@code host} is current (no device copy yet, or the host owns it). */
    synchronized boolean onlyHostCurrent(float[] host) {
        Mirror m = find(host);
        return m == null || m.owner == Owner.HOST;
    }

    /** {@link Kernels#toHostAfterReading}: the host owns {@code host} from now on, without a transfer. */
    synchronized void toHostAfterReading(float[] host) {
        Mirror m = find(host);
        if (m != null) {
            m.owner = Owner.HOST;
            m.deviceWasCurrent = false; // the host may have changed any range meanwhile
        }
    }

    /** {@link Kernels#toKernels}: uploads only the changed range when the rest of the device copy is current. */
    synchronized void toKernels(float[] host, int off, int len) {
        NativeRanges.need(host, off, len, "host range");
        Mirror m = find(host);
        if (m == null || m.owner != Owner.HOST || !m.deviceWasCurrent) {
            return;
        }
        if (len > 0) {
            device.upload(host, off, m.address + 4L * off, len);
            uploaded += 4L * len;
        }
        m.owner = Owner.BOTH;
    }

    /** {@link Kernels#readToHost}: downloads the range when the device owns {@code host}; ownership stays. */
    synchronized void readToHost(float[] host, int off, int len) {
        NativeRanges.need(host, off, len, "host range");
        Mirror m = find(host);
        if (m != null && m.owner == Owner.DEVICE && len > 0) {
            device.download(m.address + 4L * off, host, off, len);
            downloaded += 4L * len;
        }
    }

    /** Bytes uploaded to the device and downloaded from it so far (buffer copies only). */
    synchronized long[] traffic() {
        return new long[] {uploaded, downloaded};
    }

    /** Device bytes held by live mirrors. */
    synchronized long bytes() {
        freeCollected();
        return bytes;
    }

    private Mirror mirrorOf(float[] host) {
        Mirror m = find(host);
        if (m != null) {
            return m;
        }
        m = new Mirror(host, allocate(4L * Math.max(1, host.length)), collected);
        Mirror[] same = byIdentity.get(m.identity);
        Mirror[] grown = same == null ? new Mirror[1] : Arrays.copyOf(same, same.length + 1);
        grown[grown.length - 1] = m;
        byIdentity.put(m.identity, grown);
        bytes += 4L * Math.max(1, host.length);
        return m;
    }

    /**
     * Device memory for a new mirror. Copies of dead arrays are freed only after the GC has found
     * them, so when the device is full, collect and retry once before giving up.
     */
    private long allocate(long size) {
        freeCollected();
        try {
            return device.alloc(size);
        } catch (IllegalStateException full) {
            System.gc();
            try {
                Reference<? extends float[]> r = collected.remove(200);
                if (r != null) {
                    release((Mirror) r);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            freeCollected();
            return device.alloc(size);
        }
    }

    private Mirror find(float[] host) {
        Mirror[] same = byIdentity.get(System.identityHashCode(host));
        if (same != null) {
            for (Mirror m : same) {
                if (m.get() == host) {
                    return m;
                }
            }
        }
        return null;
    }

    /** Frees the device copies of arrays the GC has collected. */
    private void freeCollected() {
        for (Reference<? extends float[]> r = collected.poll(); r != null; r = collected.poll()) {
            release((Mirror) r);
        }
    }

    private void release(Mirror dead) {
        Mirror[] same = byIdentity.get(dead.identity);
        if (same == null) {
            return;
        }
        Mirror[] rest = Arrays.stream(same).filter(x -> x != dead).toArray(Mirror[]::new);
        if (rest.length == 0) {
            byIdentity.remove(dead.identity);
        } else {
            byIdentity.put(dead.identity, rest);
        }
        device.free(dead.address);
        bytes -= 4L * Math.max(1, dead.length);
    }
}
