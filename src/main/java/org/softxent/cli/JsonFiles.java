package org.softxent.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import org.softxent.io.RegularFiles;

/**
 * The JSON files the command line reads (a case's case.json, a folder's index.json, the
 * benchmark's --baseline), with errors that say in words what is wrong and where, never in the
 * name of a Java exception. Each method takes {@code what}, how messages name the value: the file
 * ("case.json") or a member in it ("case.json: options.reduction").
 */
final class JsonFiles {
    /** The content of a JSON file is not what it should be; the message starts with where. */
    static final class FormatException extends IOException {
        FormatException(String message) {
            super(message);
        }
    }

    private JsonFiles() {
    }

    /** The JSON document in {@code file}, which must be a regular file, read as Gson reads (leniently). */
    static JsonElement read(Path file, String what) throws IOException {
        return read(file, what, false);
    }

    /**
     * The JSON document in {@code file}, which must be a regular file; {@code strict}: as RFC 8259
     * writes it, and no key repeated ({@link org.softxent.util.StrictJson}), for the files that say
     * what is computed.
     */
    static JsonElement read(Path file, String what, boolean strict) throws IOException {
        String text;
        try {
            text = RegularFiles.readString(file);
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() != null && e.getReason().startsWith(RegularFiles.NOT_UTF8)) {
                throw new FormatException(what + ": not valid JSON (" + e.getReason() + ")");
            }
            throw e;
        }
        try {
            return strict ? org.softxent.util.StrictJson.parse(text) : JsonParser.parseString(text);
        } catch (JsonParseException e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause().getMessage() != null) {
                cause = cause.getCause();
            }
            String reason = cause.getMessage() == null ? "" : cause.getMessage();
            int see = reason.indexOf("\nSee ");
            throw new FormatException(what + ": not valid JSON: " + plain(see < 0 ? reason : reason.substring(0, see)));
        }
    }

    /** Gson's reason in a user's words: no advice to its programmer, no Java class. */
    static String plain(String reason) {
        return reason.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .replaceFirst("^([a-z]+\\.)+[A-Za-z]*(Exception|Error): ", "");
    }

    static JsonObject object(JsonElement e, String what) throws FormatException {
        if (e == null || !e.isJsonObject()) {
            throw wrong(what, "a JSON object {...}", e);
        }
        return e.getAsJsonObject();
    }

    static JsonArray array(JsonElement e, String what) throws FormatException {
        if (e == null || !e.isJsonArray()) {
            throw wrong(what, "a JSON array [...]", e);
        }
        return e.getAsJsonArray();
    }

    /** The member {@code key} of {@code o}, which must be there. */
    static JsonElement member(JsonObject o, String key, String what) throws FormatException {
        if (!o.has(key)) {
            throw new FormatException(what + " has no \"" + key + "\"");
        }
        return o.get(key);
    }

    static String string(JsonElement e, String what) throws FormatException {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrong(what, "a string", e);
        }
        return e.getAsString();
    }

    static double number(JsonElement e, String what) throws FormatException {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrong(what, "a number", e);
        }
        return e.getAsDouble();
    }

    /** A number that is a whole int: 3, not 3.5 nor 1e10. */
    static int integer(JsonElement e, String what) throws FormatException {
        number(e, what);
        try {
            return new BigDecimal(((JsonPrimitive) e).getAsString()).intValueExact();
        } catch (ArithmeticException | NumberFormatException x) {
            throw wrong(what, "a whole number that fits an int", e);
        }
    }

    private static FormatException wrong(String what, String expected, JsonElement got) {
        String shown = got == null ? "nothing" : got.toString();
        return new FormatException(what + " must be " + expected + ", got "
                + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown));
    }
}
