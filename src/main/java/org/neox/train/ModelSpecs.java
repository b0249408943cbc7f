package org.neox.train;

import org.neox.config.ModelArgs;
import org.neox.config.NeoXArgs;
import org.neox.model.AttentionKind;
import org.neox.model.ModelSpec;
import org.neox.util.UserError;

/** Maps a resolved config to the model's hyper-parameters, refusing what the model lacks. */
public final class ModelSpecs {
    private ModelSpecs() {
    }

    public static ModelSpec from(NeoXArgs args) {
        refuseUnsupported(args);
        try {
            return build(args);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    private static ModelSpec build(NeoXArgs args) {
        ModelArgs m = args.model();
        Integer vocab = args.tokenizer().paddedVocabSize();
        if (vocab == null) {
            throw new UserError("padded_vocab_size is unknown: the tokenizer's vocab_file could not be read;"
                    + " expected a readable vocab_file or padded-vocab-size in the config");
        }
        int maxPos = m.maxPositionEmbeddings() != null ? m.maxPositionEmbeddings() : m.seqLength();
        return new ModelSpec(m.numLayers(), m.hiddenSize(), m.numAttentionHeads(), m.seqLength(), maxPos, vocab,
                ModelSpec.PosEmb.of(m.posEmb().wire()), m.rotaryPct(), m.rotaryEmbBase(),
                ModelSpec.Norm.of(m.norm().wire()), m.layernormEpsilon(), m.rmsNormEpsilon(),
                m.scalenormEpsilon(), m.gptJResidual(), m.gptJTied(), m.noWeightTying(),
                ModelSpec.Activation.of(m.activation().wire()), m.biasGeluFusion(),
                ModelSpec.InitMethod.of(m.initMethod().wire()),
                ModelSpec.InitMethod.of(m.outputLayerInitMethod().wire()), m.initMethodStd(),
                args.training().attentionDropout(), args.training().hiddenDropout(),
                args.training().checkpointActivations(), args.training().checkpointNumLayers(),
                // Block-triangular causal attention (the Ascend port's use_triangle_attn, on by
                // default there): the same numbers as the masked square at about half the work.
                true, m.attentionConfig().stream().map(AttentionKind::of).toList(),
                SparsitySettings.from(m.sparsityConfig()), m.rpeNumBuckets(), m.rpeMaxDistance(),
                m.applyQueryKeyLayerScaling());
    }

    private static void refuseUnsupported(NeoXArgs args) {
        ModelArgs m = args.model();
        if (m.optPosEmbOffset() != 0) {
            throw new UserError("opt_pos_emb_offset: the OPT position offset is not implemented by neox; expected 0");
        }
        if (args.training().useMup()) {
            throw new UserError("use_mup: muP is not implemented by neox; expected false");
        }
    }
}
