package dev.outpost.wire.config;

import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Key paths as errors show them: keys joined by dots, list positions in brackets ({@code "hostnames[1]"}). */
final class KeyPaths {
    private KeyPaths() {
    }

    /** The path of the key or list entry a parser is at. */
    static String of(JsonStreamContext context) {
        List<String> segments = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                segments.add(c.getCurrentName());
            } else if (c.inArray() && c.hasCurrentIndex()) {
                segments.add("[" + c.getCurrentIndex() + "]");
            }
        }
        Collections.reverse(segments);
        return join(segments);
    }

    /** The path a Jackson mapping error refers to. */
    static String of(List<JsonMappingException.Reference> references) {
        List<String> segments = new ArrayList<>();
        for (JsonMappingException.Reference r : references) {
            segments.add(r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]");
        }
        return join(segments);
    }

    /** {@code key} inside {@code parent} (the empty string is the top level). */
    static String child(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /** The path one level up, or {@code null} above the top level. */
    static String parent(String path) {
        if (path.isEmpty()) {
            return null;
        }
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    private static String join(List<String> segments) {
        StringBuilder b = new StringBuilder();
        for (String s : segments) {
            if (b.length() > 0 && !s.startsWith("[")) {
                b.append('.');
            }
            b.append(s);
        }
        return b.toString();
    }
}
