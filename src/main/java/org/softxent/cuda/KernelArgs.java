package org.softxent.cuda;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * Packs a launcher record into the C struct its kernel takes (cuda/softxent.cu: every kernel takes
 * one struct argument). The record's components are the struct's fields, in order: {@code int} and
 * {@code float} take 4 bytes, {@code long}, {@code double} and device pointers ({@link CUdeviceptr},
 * null for none) 8, each aligned to its size, the whole padded to 8, as nvcc lays the struct out.
 * ContractTest checks every record against its struct, field by field.
 */
final class KernelArgs {
    /** A field of a struct: its record component, C type and byte offset. */
    record Field(String name, Class<?> type, int offset, MethodHandle getter) {
        int size() {
            return type == int.class || type == float.class ? 4 : 8;
        }
    }

    /** The layout of one record type: its fields and the struct's size. */
    record Layout(List<Field> fields, int size) {
    }

    private static final ClassValue<Layout> LAYOUTS = new ClassValue<>() {
        @Override
        protected Layout computeValue(Class<?> type) {
            return layoutOf(type);
        }
    };

    private KernelArgs() {
    }

    static Layout layout(Class<?> recordType) {
        return LAYOUTS.get(recordType);
    }

    private static Layout layoutOf(Class<?> type) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type + " is not a record");
        }
        List<Field> fields = new ArrayList<>();
        int offset = 0;
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (RecordComponent c : type.getRecordComponents()) {
            Class<?> t = c.getType();
            if (t != int.class && t != float.class && t != long.class && t != double.class && t != CUdeviceptr.class) {
                throw new IllegalArgumentException(type.getSimpleName() + "." + c.getName() + " is a " + t.getSimpleName()
                        + ": a kernel struct holds int, float, long, double and device pointers only");
            }
            int size = t == int.class || t == float.class ? 4 : 8;
            offset = (offset + size - 1) / size * size;
            try {
                // Typed (Record) -> primitive or pointer, so that packing boxes nothing.
                MethodHandle getter = lookup.unreflect(c.getAccessor())
                        .asType(java.lang.invoke.MethodType.methodType(t, Record.class));
                fields.add(new Field(c.getName(), t, offset, getter));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            offset += size;
        }
        return new Layout(List.copyOf(fields), (offset + 7) / 8 * 8);
    }

    /** Writes {@code args} into {@code into} (native byte order, from position 0) as its kernel's struct. */
    static void pack(Record args, ByteBuffer into) {
        Layout layout = layout(args.getClass());
        into.clear();
        for (int i = 0; i < layout.size(); i++) {
            into.put(i, (byte) 0);
        }
        try {
            for (Field f : layout.fields()) {
                MethodHandle g = f.getter();
                if (f.type() == int.class) {
                    into.putInt(f.offset(), (int) g.invokeExact(args));
                } else if (f.type() == float.class) {
                    into.putFloat(f.offset(), (float) g.invokeExact(args));
                } else if (f.type() == long.class) {
                    into.putLong(f.offset(), (long) g.invokeExact(args));
                } else if (f.type() == double.class) {
                    into.putDouble(f.offset(), (double) g.invokeExact(args));
                } else {
                    CUdeviceptr p = (CUdeviceptr) g.invokeExact(args);
                    into.putLong(f.offset(), p == null ? 0L : DevicePointers.address(p));
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        into.limit(layout.size());
    }
}
