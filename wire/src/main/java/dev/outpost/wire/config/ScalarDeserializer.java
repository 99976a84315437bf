package dev.outpost.wire.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;
import java.util.function.Function;

/**
 * Reads a value written as one scalar through a {@link ValueParser}-style function. A rejected text goes to
 * Jackson's problem handlers with the parser's own message, so the loader reports it and carries on.
 */
final class ScalarDeserializer<T> extends StdScalarDeserializer<T> {
    private static final long serialVersionUID = 1L;
    private final transient Function<String, ? extends T> parser;

    ScalarDeserializer(Class<T> type, Function<String, ? extends T> parser) {
        super(type);
        this.parser = parser;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (!p.currentToken().isScalarValue()) {
            return (T) ctxt.handleUnexpectedToken(handledType(), p);
        }
        String text = p.getText();
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            return (T) ctxt.handleWeirdStringValue(handledType(), text, "%s", e.getMessage());
        }
    }
}
