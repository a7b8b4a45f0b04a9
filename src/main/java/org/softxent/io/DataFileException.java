package org.softxent.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that cannot be read as a data set, with the place as its user sees it: the file and,
 * where one is to blame, its line (or .npy row) and column, counted from 1 for lines and from 0 for
 * columns and rows, as a text editor and NumPy count them.
 */
public class DataFileException extends IOException {
    private final Path file;
    private final String place;
    private final String problem;

    /**
     * @param place   "line 12 column 3", "row 44", ... or "" for the file as a whole
     * @param problem what is wrong there
     */
    public DataFileException(Path file, String place, String problem) {
        super(file + (place.isEmpty() ? "" : " " + place) + ": " + problem);
        this.file = file;
        this.place = place;
        this.problem = problem;
    }

    public Path file() {
        return file;
    }

    /** Where in the file, or "" for the file as a whole. */
    public String place() {
        return place;
    }

    /** What is wrong, without the place. */
    public String problem() {
        return problem;
    }
}
