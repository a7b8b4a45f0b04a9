package org.softxent.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;
import org.softxent.io.NpyFormatException;

/**
 * The named input arrays of one operation (names as in the golden case format: logits, labels,
 * target_probs, ...), with typed accessors that check dtype and shape and name the argument the
 * way its user wrote it: {@code --target-probs} on the command line, {@code target_probs} in a case.
 */
final class Inputs {
    /** A float32 matrix [rows, cols] and the shape it came with (1-D vectors are [rows, 1]). */
    record Matrix(float[] data, int rows, int cols, int[] shape) {
    }

    private final Map<String, NpyArray> arrays = new HashMap<>();
    private final Map<String, Path> files = new LinkedHashMap<>();
    /** The inputs the operation asked for (or whether it has): any other one given went unread. */
    private final java.util.Set<String> asked = new java.util.HashSet<>();
    private final UnaryOperator<String> display;

    private Inputs(UnaryOperator<String> display) {
        this.display = display;
    }

    /** Inputs named as command-line flags: labels → --labels, target_probs → --target-probs. */
    static Inputs forCommandLine() {
        return new Inputs(name -> "--" + name.replace('_', '-'));
    }

    /** Inputs named as in a case.json. */
    static Inputs forCase() {
        return new Inputs(name -> name);
    }

    /** Reads {@code file} as input {@code name}; a null file leaves the input absent. */
    Inputs read(String name, Path file) {
        if (file == null) {
            return this;
        }
        try {
            arrays.put(name, Npy.read(file));
            files.put(name, file);
            return this;
        } catch (NoSuchFileException e) {
            throw new InputException(display.apply(name) + ": file not found: " + file);
        } catch (AccessDeniedException e) {
            throw new InputException(display.apply(name) + ": cannot read " + file + ": permission denied");
        } catch (FileSystemException e) {
            throw new InputException(display.apply(name) + " (" + file + "): "
                    + (e.getReason() == null ? e.getMessage() : e.getReason()));
        } catch (NpyFormatException e) {
            if (e.unsupportedDtype() != null) {
                // Say what this input takes, not every dtype the reader knows.
                boolean labels = name.equals("labels");
                throw new InputException(display.apply(name) + " (" + file + "): expected " + (labels
                        ? "int64 or int32 labels" : "float32") + ", got " + e.unsupportedDtype()
                        + " (convert with numpy: a.astype(numpy." + (labels ? "int64" : "float32") + "))");
            }
            throw new InputException(display.apply(name) + " (" + file + "): " + e.getMessage());
        } catch (IOException e) {
            throw new InputException(display.apply(name) + " (" + file + "): " + e.getMessage());
        }
    }

    boolean has(String name) {
        asked.add(name);
        return arrays.containsKey(name);
    }

    /** The inputs given that the operation never asked for, sorted: a misspelt or misplaced one. */
    java.util.List<String> unread() {
        return arrays.keySet().stream().filter(name -> !asked.contains(name)).sorted().toList();
    }

    /** The files read, each with the name its user gave it (--logits; logits in a case). */
    Map<Path, String> files() {
        Map<Path, String> named = new LinkedHashMap<>();
        files.forEach((name, file) -> named.put(file, display(name)));
        return named;
    }

    /** How the user named this input, for messages. */
    String display(String name) {
        return display.apply(name);
    }

    /** A float32 2-D array [N, C]. */
    Matrix matrix(String name) {
        NpyArray a = float32(name);
        if (a.ndim() != 2) {
            throw bad(name, "expected a 2-D array [N, C], got shape " + a.shapeString());
        }
        return nonEmpty(name, new Matrix(a.floats(), a.dim(0), a.dim(1), a.shape()));
    }

    /** A float32 array of 1 or 2 dimensions, a vector [N] being read as [N, 1]. */
    Matrix matrixOrVector(String name) {
        NpyArray a = float32(name);
        if (a.ndim() == 1) {
            return nonEmpty(name, new Matrix(a.floats(), a.dim(0), 1, a.shape()));
        }
        if (a.ndim() != 2) {
            throw bad(name, "expected a 1-D or 2-D array, got shape " + a.shapeString());
        }
        return nonEmpty(name, new Matrix(a.floats(), a.dim(0), a.dim(1), a.shape()));
    }

    private Matrix nonEmpty(String name, Matrix m) {
        if (m.rows() == 0 || m.cols() == 0) {
            throw bad(name, "is empty (shape " + NpyArray.shapeString(m.shape()) + "): a batch needs at least one "
                    + "row and one column");
        }
        return m;
    }

    /** A float32 array with exactly the shape of {@code like}, which is named {@code likeName}. */
    float[] sameShape(String name, Matrix like, String likeName) {
        NpyArray a = float32(name);
        if (!java.util.Arrays.equals(a.shape(), like.shape())) {
            throw bad(name, "expected the shape of " + display(likeName) + " " + NpyArray.shapeString(like.shape())
                    + ", got " + a.shapeString());
        }
        return a.floats();
    }

    /** A float32 vector of the given length ({@code what} names it, e.g. "C"). */
    float[] vector(String name, int length, String what) {
        NpyArray a = float32(name);
        if (a.ndim() != 1 || a.dim(0) != length) {
            throw bad(name, "expected shape (" + what + ",) = (" + length + ",), got " + a.shapeString());
        }
        return a.floats();
    }

    /** How many values the (float32) array {@code name} holds. */
    int length(String name) {
        return float32(name).floats().length;
    }

    /**
     * A float32 vector [length], or one value (shape (1,) or ()) repeated to that length, as
     * PyTorch broadcasts a {@code pos_weight} of one element over every column.
     */
    float[] broadcastVector(String name, int length, String what) {
        NpyArray a = float32(name);
        if (a.ndim() <= 1 && a.floats().length == 1) {
            float[] v = new float[length];
            java.util.Arrays.fill(v, a.floats()[0]);
            return v;
        }
        if (a.ndim() != 1 || a.dim(0) != length) {
            throw bad(name, "expected shape (" + what + ",) = (" + length + ",) or one value, got " + a.shapeString());
        }
        return a.floats();
    }

    /** Integer labels [rows] from int64 or int32. */
    int[] labels(String name, int rows) {
        NpyArray a = require(name);
        if (a.ndim() != 1 || a.dim(0) != rows) {
            throw bad(name, "expected shape (N,) = (" + rows + ",), got " + a.shapeString());
        }
        switch (a.dtype()) {
            case INT32:
                return a.ints();
            case INT64: {
                long[] wide = a.longs();
                int[] labels = new int[wide.length];
                for (int i = 0; i < wide.length; i++) {
                    if (wide[i] != (int) wide[i]) {
                        throw bad(name, "label " + wide[i] + " at index " + i + " does not fit an int");
                    }
                    labels[i] = (int) wide[i];
                }
                return labels;
            }
            default:
                throw bad(name, "expected int64 or int32 labels, got " + a.dtype().numpyName());
        }
    }

    private NpyArray float32(String name) {
        NpyArray a = require(name);
        if (a.dtype() != NpyArray.DType.FLOAT32) {
            throw bad(name, "expected float32, got " + a.dtype().numpyName()
                    + " (convert with numpy: a.astype(numpy.float32))");
        }
        return a;
    }

    private NpyArray require(String name) {
        asked.add(name);
        NpyArray a = arrays.get(name);
        if (a == null) {
            throw new InputException(display(name) + " is required");
        }
        return a;
    }

    /** A computation over these inputs that may reject one of them. */
    interface Computation<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code computation}, reporting an argument the engine rejects under the name its user
     * gave it: the engine names arguments as the API does ({@code targetProbs[3, 1] is NaN}), where
     * the user passed {@code --target-probs} (or {@code target_probs} in a case).
     */
    <T> T naming(Computation<T> computation) throws IOException {
        try {
            return computation.run();
        } catch (InputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            Matcher api = API_NAME.matcher(e.getMessage() == null ? "" : e.getMessage());
            if (api.lookingAt()) {
                String name = api.group(1).replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
                if (has(name)) {
                    throw bad(name, e.getMessage());
                }
            }
            throw e;
        }
    }

    /** The argument an API message starts with: logits, targetProbs, gradProbs, classWeights, ... */
    private static final Pattern API_NAME = Pattern.compile("([a-z][A-Za-z]*)[\\[ ]");

    InputException bad(String name, String message) {
        Path file = files.get(name);
        return new InputException(display(name) + (file == null ? "" : " (" + file + ")") + ": " + message);
    }
}
