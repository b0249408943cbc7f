package org.neox.ckpt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neox.util.UserError;

/**
 * Parses and validates a safetensors header: the JSON object that maps tensor names to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} plus an optional
 * {@code "__metadata__"} string map. Validation follows the format's rules: known dtype,
 * non-negative shape, {@code end - begin == numel * dtype size}, ranges inside the data
 * section, and ranges that neither overlap nor leave holes (the data section is exactly the
 * union of the tensors, which the reference implementation also requires).
 */
final class SafetensorsHeader {
    /** Headers larger than this are refused (the reference implementation caps at 100 MB). */
    static final long MAX_HEADER_BYTES = 100L << 20;

    /** Element sizes of all safetensors dtypes, so files holding e.g. BOOL buffers still open. */
    private static final Map<String, Integer> ELEMENT_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2),
            Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    final Map<String, TensorInfo> tensors;
    final Map<String, String> metadata;

    private SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Decodes {@code headerBytes} (UTF-8 JSON) for a file whose data section has {@code dataBytes}. */
    static SafetensorsHeader parse(Path file, ByteBuffer headerBytes, long dataBytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(file, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), readEntry(file, e.getKey(), e.getValue()));
            }
        }
        checkCoverage(file, tensors, dataBytes);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw bad(file, "__metadata__ is not an object of strings");
        }
        node.fields().forEachRemaining(m -> {
            if (!m.getValue().isTextual()) {
                throw bad(file, "__metadata__ value of \"" + m.getKey() + "\" is not a string");
            }
            out.put(m.getKey(), m.getValue().textValue());
        });
    }

    private static TensorInfo readEntry(Path file, String name, JsonNode n) {
        String where = "tensor \"" + name + "\"";
        if (!n.isObject() || !n.path("dtype").isTextual() || !n.path("shape").isArray()
                || !n.path("data_offsets").isArray() || n.path("data_offsets").size() != 2) {
            throw bad(file, where + " needs dtype, shape and data_offsets [begin, end], got " + n);
        }
        String dtype = n.get("dtype").textValue();
        Integer size = ELEMENT_BYTES.get(dtype);
        if (size == null) {
            throw bad(file, where + " has unknown dtype " + dtype + ", expected one of " + ELEMENT_BYTES.keySet());
        }
        long[] shape = new long[n.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(file, where + " shape", n.get("shape").get(i));
        }
        long begin = nonNegativeLong(file, where + " data_offsets", n.get("data_offsets").get(0));
        long end = nonNegativeLong(file, where + " data_offsets", n.get("data_offsets").get(1));
        long bytes;
        try {
            bytes = Math.multiplyExact(NamedTensor.numel(shape), (long) size);
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw bad(file, where + " has shape " + n.get("shape") + ", too large to load");
        }
        if (end < begin || end - begin != bytes) {
            throw bad(file, where + " has data_offsets [" + begin + ", " + end + "] but its "
                    + dtype + " shape " + n.get("shape") + " needs " + bytes + " bytes");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long nonNegativeLong(Path file, String what, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw bad(file, what + " has " + v + ", expected a non-negative integer");
        }
        return v.longValue();
    }

    /** Sorted by offset, the ranges must tile {@code [0, dataBytes)} exactly. */
    private static void checkCoverage(Path file, Map<String, TensorInfo> tensors, long dataBytes) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long at = 0;
        String prev = null;
        for (TensorInfo t : sorted) {
            if (t.end() > dataBytes) {
                throw bad(file, "tensor \"" + t.name() + "\" data_offsets [" + t.begin() + ", " + t.end()
                        + "] lie beyond the data section of " + dataBytes + " bytes (file truncated?)");
            }
            if (t.begin() < at) {
                throw bad(file, "tensor \"" + t.name() + "\" data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlap tensor \"" + prev + "\" (which ends at " + at + ")");
            }
            if (t.begin() > at) {
                throw bad(file, "bytes [" + at + ", " + t.begin() + ") of the data section belong to no tensor");
            }
            at = t.end();
            prev = t.name();
        }
        if (at != dataBytes) {
            throw bad(file, "data section has " + dataBytes + " bytes but the tensors cover " + at);
        }
    }

    static UserError bad(Path file, String what) {
        return new UserError("safetensors file " + file + ": " + what);
    }
}
