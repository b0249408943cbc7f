package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.neox.config.ReferenceConfigs;
import org.neox.model.ModelSpec;
import org.neox.util.UserError;

/**
 * Every GPT-NeoX reference config (a partial one merged after 125M.yml) gives a model neox
 * builds, with its layers' attention types; only gMLP (broken in v2.0) is one config error line.
 */
class ReferenceModelSpecsTest {
    @TestFactory
    Stream<DynamicTest> everyReferenceConfigBuildsAModelSpec() throws IOException {
        return ReferenceConfigs.each((name, a) -> {
            if (name.equals("gmlp_small.yml")) {
                UserError e = assertThrows(UserError.class, () -> ModelSpecs.from(a));
                assertEquals(1, e.getMessage().lines().count(), e.getMessage());
                return;
            }
            ModelSpec spec = ModelSpecs.from(a);
            assertEquals(a.model().attentionConfig(), spec.attentionConfig().stream().map(k -> k.wire()).toList());
        });
    }
}
