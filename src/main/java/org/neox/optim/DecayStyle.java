package org.neox.optim;

import java.util.Locale;
import org.neox.util.UserError;

/** {@code lr_decay_style} of GPT-NeoX's AnnealingLR (spec §7). */
public enum DecayStyle {
    CONSTANT, LINEAR, COSINE, EXPONENTIAL;

    /** The lower-case name GPT-NeoX configs and checkpoints use. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config value; {@code key} names where it came from for the error message. */
    public static DecayStyle parse(String value, String key) {
        for (DecayStyle s : values()) {
            if (s.configName().equals(value)) {
                return s;
            }
        }
        throw new UserError(key + ": '" + value + "' is not a decay style; expected constant, linear, cosine or exponential");
    }
}
