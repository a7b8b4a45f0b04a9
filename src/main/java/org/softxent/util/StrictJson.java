package org.softxent.util;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;

/**
 * JSON read as RFC 8259 writes it, for the files that define what softxent computes (a model's
 * model.json, a check case's case.json): Gson's own parser is lenient (comments, single quotes,
 * unquoted names and values, NaN, a second document) and keeps the last of a repeated key, so a
 * hand-edited file could mean something else than it seems to. Here each of those is refused.
 */
public final class StrictJson {
    private StrictJson() {
    }

    /**
     * The one JSON value of {@code text}.
     *
     * @throws JsonParseException naming what is not JSON, or the key repeated and where
     */
    public static JsonElement parse(String text) {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        try {
            JsonElement e = value(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonSyntaxException("more after the end of the JSON value, at " + r.getPath());
            }
            return e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new JsonSyntaxException(e.getMessage(), e);
        }
    }

    /** A number as the file writes it (for messages: "1e12", not "1E+12"), its value in decimal. */
    private static final class Written extends Number {
        private final String text;
        private final BigDecimal value;

        Written(String text) {
            this.text = text;
            this.value = new BigDecimal(text);
        }

        @Override
        public int intValue() {
            return value.intValue();
        }

        @Override
        public long longValue() {
            return value.longValue();
        }

        @Override
        public float floatValue() {
            return Float.parseFloat(text); // as Java reads it: -0 stays negative
        }

        @Override
        public double doubleValue() {
            return Double.parseDouble(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private static JsonElement value(JsonReader r) throws IOException {
        switch (r.peek()) {
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(value(r));
                }
                r.endArray();
                return a;
            }
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String key = r.nextName();
                    if (o.has(key)) {
                        throw new JsonSyntaxException("the key \"" + key + "\" is repeated (at " + r.getPath()
                                + "): which value is meant?");
                    }
                    o.add(key, value(r));
                }
                r.endObject();
                return o;
            }
            case STRING -> {
                return new JsonPrimitive(r.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new Written(r.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(r.nextBoolean());
            }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new JsonSyntaxException("a JSON value was expected at " + r.getPath() + ", got " + r.peek());
        }
    }
}
