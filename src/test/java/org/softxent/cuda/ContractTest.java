package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host ↔ kernel contract, read from both sides: the contract section of cuda/softxent.cu
 * (its #defines and structs) against {@link Contract} and the launcher records. A constant that
 * differs, a field renamed, retyped, added or moved on one side only, fails here before any
 * kernel runs.
 */
class ContractTest {
    private static String source;

    @BeforeAll
    static void read() throws Exception {
        String text = Files.readString(Path.of("cuda", "softxent.cu"));
        int start = text.indexOf("// The host <-> kernel contract");
        int end = text.indexOf("// =====", start);
        assertTrue(start > 0 && end > start, "softxent.cu has its contract section");
        // That section, comments out, so that words in them are not taken for code.
        source = text.substring(start, end).replaceAll("//[^\n]*", "");
    }

    /** A field of a C struct: its name and C type ("int", "float", "long long", "double", "pointer", ...). */
    record CField(String name, String type, int count) {
    }

    static Map<String, List<CField>> structs() {
        Map<String, List<CField>> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("struct (\\w+) \\{([^}]*)\\};").matcher(source);
        while (m.find()) {
            List<CField> fields = new ArrayList<>();
            for (String decl : m.group(2).split(";")) {
                decl = decl.strip();
                if (decl.isEmpty()) {
                    continue;
                }
                Matcher d = Pattern.compile("^(const\\s+)?([A-Za-z_ ]+?)\\s*(\\*?)\\s*(\\w+(\\[\\w+\\])?(\\s*,\\s*\\w+)*)$")
                        .matcher(decl);
                assertTrue(d.matches(), "a declaration this test reads: '" + decl + "' in struct " + m.group(1));
                String type = d.group(3).isEmpty() ? d.group(2).strip() : "pointer";
                for (String name : d.group(4).split(",")) {
                    name = name.strip();
                    int count = 1;
                    if (name.contains("[")) {
                        count = constant(name.substring(name.indexOf('[') + 1, name.indexOf(']')));
                        name = name.substring(0, name.indexOf('['));
                    }
                    fields.add(new CField(name, type, count));
                }
            }
            out.put(m.group(1), fields);
        }
        return out;
    }

    static int constant(String name) {
        Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(source);
        assertTrue(m.find(), name + " is #defined");
        return Integer.parseInt(m.group(1));
    }

    @Test
    void theConstantsAgree() throws Exception {
        Matcher m = Pattern.compile("#define SX_(\\w+) (\\d+)").matcher(source);
        int seen = 0;
        while (m.find()) {
            Field f = Contract.class.getDeclaredField(m.group(1));
            assertEquals(Integer.parseInt(m.group(2)), f.getInt(null), "SX_" + m.group(1) + " against Contract");
            seen++;
        }
        assertEquals(8, seen, "the operations, the reductions and the operand count");
    }

    @Test
    void theStatusBlockAgrees() {
        List<CField> status = structs().get("Status");
        Map<String, Integer> expected = Map.of("bad", Contract.STATUS_BAD, "first", Contract.STATUS_FIRST, "loss",
                Contract.STATUS_LOSS, "divisor", Contract.STATUS_DIVISOR, "extra", Contract.STATUS_EXTRA, "scale",
                Contract.STATUS_SCALE, "ticket", Contract.STATUS_TICKET);
        int offset = 0;
        for (CField f : status) {
            int size = f.type().equals("float") || f.type().equals("unsigned") || f.type().equals("int") ? 4 : 8;
            offset = (offset + size - 1) / size * size;
            assertEquals(expected.get(f.name()), offset, "Status." + f.name() + "'s offset");
            offset += size * f.count();
        }
        assertEquals(expected.size(), status.size(), "every field of Status has its offset in Contract");
        assertEquals(Contract.STATUS_SIZE, (offset + 7) / 8 * 8, "sizeof(Status)");
        assertTrue(Contract.STATUS_SIZE <= StatusRing.SLOT_BYTES, "a Status block fits its slot");
    }

    /** Every kernel struct (…Args) has its launcher record (…Kernel) with the same fields, in order. */
    @Test
    void everyKernelStructHasItsLauncherRecord() {
        int records = 0;
        for (Map.Entry<String, List<CField>> e : structs().entrySet()) {
            if (!e.getKey().endsWith("Args")) {
                continue;
            }
            String record = e.getKey().replace("Args", "Kernel");
            Class<?> type;
            try {
                type = Class.forName("org.softxent.cuda." + record);
            } catch (ClassNotFoundException x) {
                fail("struct " + e.getKey() + " of softxent.cu has no launcher record org.softxent.cuda." + record);
                return;
            }
            RecordComponent[] components = type.getRecordComponents();
            List<CField> fields = e.getValue();
            assertEquals(fields.size(), components.length, record + " has a component per field of " + e.getKey());
            for (int i = 0; i < fields.size(); i++) {
                CField f = fields.get(i);
                assertEquals(camel(f.name()), components[i].getName(), record + "'s component " + i);
                assertEquals(javaType(f.type()), components[i].getType(), record + "." + components[i].getName()
                        + " mirrors " + f.type());
            }
            records++;
        }
        assertEquals(12, records);
    }

    @Test
    void structsHoldOnlyTypesTheRecordsCanMirror() {
        for (Map.Entry<String, List<CField>> e : structs().entrySet()) {
            for (CField f : e.getValue()) {
                assertFalse(f.type().contains("bool") || f.type().contains("char"), e.getKey() + "." + f.name());
            }
        }
    }

    private static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char ch : snake.toCharArray()) {
            if (ch == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return b.toString();
    }

    private static Class<?> javaType(String c) {
        return switch (c) {
            case "int", "unsigned" -> int.class;
            case "float" -> float.class;
            case "long long" -> long.class;
            case "double" -> double.class;
            case "pointer" -> CUdeviceptr.class;
            default -> throw new AssertionError("a field type the records cannot mirror: " + c);
        };
    }
}
