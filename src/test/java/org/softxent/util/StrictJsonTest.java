package org.softxent.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
    @Test
    void readsJsonAsGsonDoesAndKeepsNumbersAsWritten() {
        String text = "{\"a\": [1, 2.5, 1e12, -0, true, null, \"x\\u00e9\"], \"b\": {\"c\": {}}}";
        JsonElement strict = StrictJson.parse(text);
        assertEquals(JsonParser.parseString(text), strict);
        assertEquals(JsonParser.parseString(text).toString(), strict.toString());
        assertEquals("1e12", strict.getAsJsonObject().getAsJsonArray("a").get(2).getAsString());
        assertEquals(1_000_000_000_000L, strict.getAsJsonObject().getAsJsonArray("a").get(2).getAsLong());
        assertEquals(2.5, strict.getAsJsonObject().getAsJsonArray("a").get(1).getAsDouble());
        assertEquals(Double.doubleToRawLongBits(-0.0),
                Double.doubleToRawLongBits(strict.getAsJsonObject().getAsJsonArray("a").get(3).getAsDouble()), "-0");
    }

    @Test
    void refusesWhatGsonLetsThrough() {
        String[][] bad = {
            {"{\"a\": 1, \"a\": 2}", "the key \"a\" is repeated"},
            {"{\"o\": {\"k\": 1, \"k\": 1}}", "$.o.k"},
            {"{\"a\": 1} // a comment", ""},
            {"{'a': 1}", ""},
            {"{a: 1}", ""},
            {"{\"a\": NaN}", ""},
            {"{\"a\": 1} {\"b\": 2}", ""},
            {"[1, 2,]", ""},
        };
        for (String[] b : bad) {
            JsonParseException e = assertThrows(JsonParseException.class, () -> StrictJson.parse(b[0]), b[0]);
            assertTrue(String.valueOf(e.getMessage()).contains(b[1]), b[0] + ": " + e.getMessage());
        }
    }
}
