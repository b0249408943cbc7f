package org.neox.data;

import org.neox.util.UserError;

/** GPT-NeoX's split string ("969, 30, 1") to document boundaries (spec §3.3). */
public final class Splits {
    private Splits() {
    }

    /** Boundaries {@code [b0, b1, b2, b3]} over {@code n} documents: train, valid, test ranges. */
    public static long[] boundaries(String split, long n) {
        String sep = split.contains(",") ? "," : split.contains("/") ? "/" : null;
        String[] parts = sep == null ? new String[] {split} : split.split(java.util.regex.Pattern.quote(sep), -1);
        double[] f = new double[3];
        double sum = 0;
        for (int i = 0; i < Math.min(3, parts.length); i++) {
            try {
                f[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UserError("split '" + split + "': '" + parts[i].trim() + "' is not a number;"
                        + " expected e.g. 969,30,1");
            }
            sum += f[i];
        }
        if (!(sum > 0)) {
            throw new UserError("split '" + split + "' sums to " + sum + "; expected a positive sum");
        }
        long[] b = new long[4];
        for (int i = 0; i < 3; i++) {
            b[i + 1] = b[i] + (long) Math.rint(f[i] / sum * n);
        }
        long diff = b[3] - n;
        for (int i = 1; i < 4; i++) {
            b[i] -= diff;
        }
        return b;
    }
}
