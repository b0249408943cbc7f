package org.neox.ckpt;

import java.util.Map;

/**
 * GPT-NeoX's forward pass (spec §5) in double precision over full tensors with sequential
 * names: the oracle that the HF export, read by scripts/check_hf.py, must reproduce.
 * LayerNorm, rotary on the first {@code rotary_pct} of each head, head-interleaved QKV, causal
 * softmax, sequential or parallel residual, exact (erf) or tanh GeLU; no dropout.
 */
final class ReferenceForward {
    private final NeoxModelConfig cfg;
    private final Map<String, NamedTensor> w;

    ReferenceForward(NeoxModelConfig cfg, Map<String, NamedTensor> weights) {
        this.cfg = cfg;
        this.w = weights;
    }

    /** Logits [tokens.length][V']. */
    double[][] logits(int[] tokens) {
        int s = tokens.length;
        int h = cfg.hiddenSize();
        double[][] x = new double[s][];
        float[] e = w.get(HfNames.WORD_EMBEDDINGS).toArray();
        for (int t = 0; t < s; t++) {
            x[t] = row(e, tokens[t], h);
        }
        for (int i = 0; i < cfg.numLayers(); i++) {
            String p = "sequential." + (i + 2) + ".";
            double[][] a = attention(p, layerNorm(x, p + "input_layernorm"));
            if (cfg.gptJResidual()) {
                double[][] m = mlp(p, layerNorm(x, p + "post_attention_layernorm"));
                x = add(x, add(a, m));
            } else {
                x = add(x, a);
                x = add(x, mlp(p, layerNorm(x, p + "post_attention_layernorm")));
            }
        }
        x = layerNorm(x, "sequential." + cfg.finalNormIndex() + ".norm");
        String out = cfg.tied() ? HfNames.WORD_EMBEDDINGS : "sequential." + cfg.outputIndex() + ".final_linear.weight";
        return linear(x, out, null);
    }

    private double[][] attention(String p, double[][] x) {
        int s = x.length;
        int h = cfg.hiddenSize();
        int heads = cfg.numAttentionHeads();
        int hn = h / heads;
        int rd = (int) (hn * cfg.rotaryPct());
        double[][] qkv = linear(x, p + "attention.query_key_value.weight", p + "attention.query_key_value.bias");
        double[][] ctx = new double[s][h];
        for (int hd = 0; hd < heads; hd++) {
            double[][] q = new double[s][];
            double[][] k = new double[s][];
            for (int t = 0; t < s; t++) {
                q[t] = rotary(java.util.Arrays.copyOfRange(qkv[t], hd * 3 * hn, hd * 3 * hn + hn), t, rd);
                k[t] = rotary(java.util.Arrays.copyOfRange(qkv[t], hd * 3 * hn + hn, hd * 3 * hn + 2 * hn), t, rd);
            }
            for (int t = 0; t < s; t++) {
                double[] sc = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u <= t; u++) {
                    double d = 0;
                    for (int c = 0; c < hn; c++) {
                        d += q[t][c] * k[u][c];
                    }
                    sc[u] = d / Math.sqrt(hn);
                    max = Math.max(max, sc[u]);
                }
                double sum = 0;
                for (int u = 0; u <= t; u++) {
                    sc[u] = Math.exp(sc[u] - max);
                    sum += sc[u];
                }
                for (int u = 0; u <= t; u++) {
                    for (int c = 0; c < hn; c++) {
                        ctx[t][hd * hn + c] += sc[u] / sum * qkv[u][hd * 3 * hn + 2 * hn + c];
                    }
                }
            }
        }
        return linear(ctx, p + "attention.dense.weight", p + "attention.dense.bias");
    }

    /** x·cos(θ) + rotate_half(x)·sin(θ) on the first rd dims, θ = t / base^(2i/rd). */
    private double[] rotary(double[] v, int t, int rd) {
        double[] out = v.clone();
        int half = rd / 2;
        for (int i = 0; i < half; i++) {
            double theta = t / Math.pow(cfg.rotaryEmbBase(), 2.0 * i / rd);
            double c = Math.cos(theta);
            double sn = Math.sin(theta);
            out[i] = v[i] * c - v[i + half] * sn;
            out[i + half] = v[i + half] * c + v[i] * sn;
        }
        return out;
    }

    private double[][] mlp(String p, double[][] x) {
        double[][] y = linear(x, p + "mlp.dense_h_to_4h.weight", p + "mlp.dense_h_to_4h.bias");
        for (double[] r : y) {
            for (int i = 0; i < r.length; i++) {
                double v = r[i];
                r[i] = cfg.biasGeluFusion()
                        ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))
                        : 0.5 * v * (1 + erf(v / Math.sqrt(2)));
            }
        }
        return linear(y, p + "mlp.dense_4h_to_h.weight", p + "mlp.dense_4h_to_h.bias");
    }

    /** erf by its Maclaurin series (|x| < 3) or the asymptotic 1 - erfc; about 1e-13 here. */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a > 5) {
            return Math.signum(x);
        }
        double term = a;
        double sum = a;
        for (int n = 1; n < 200; n++) {
            term *= -a * a / n;
            sum += term / (2 * n + 1);
            if (Math.abs(term) < 1e-17) {
                break;
            }
        }
        return Math.signum(x) * sum * 2 / Math.sqrt(Math.PI);
    }

    private double[][] layerNorm(double[][] x, String p) {
        float[] g = w.get(p + ".weight").toArray();
        float[] b = w.get(p + ".bias").toArray();
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mu = 0;
            for (double v : x[t]) {
                mu += v;
            }
            mu /= x[t].length;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mu) * (v - mu);
            }
            var /= x[t].length;
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                out[t][i] = (x[t][i] - mu) / Math.sqrt(var + cfg.layernormEpsilon()) * g[i] + b[i];
            }
        }
        return out;
    }

    /** y = x·Wᵀ + b with W stored [out, in]. */
    private double[][] linear(double[][] x, String weight, String bias) {
        NamedTensor wt = w.get(weight);
        int outDim = (int) wt.shape()[0];
        int in = (int) wt.shape()[1];
        float[] wd = wt.toArray();
        float[] bd = bias == null ? null : w.get(bias).toArray();
        double[][] y = new double[x.length][outDim];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < outDim; o++) {
                double acc = bd == null ? 0 : bd[o];
                for (int i = 0; i < in; i++) {
                    acc += x[t][i] * wd[o * in + i];
                }
                y[t][o] = acc;
            }
        }
        return y;
    }

    private static double[] row(float[] m, int r, int width) {
        double[] out = new double[width];
        for (int i = 0; i < width; i++) {
            out[i] = m[r * width + i];
        }
        return out;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] out = new double[a.length][a[0].length];
        for (int t = 0; t < a.length; t++) {
            for (int i = 0; i < a[t].length; i++) {
                out[t][i] = a[t][i] + b[t][i];
            }
        }
        return out;
    }
}
