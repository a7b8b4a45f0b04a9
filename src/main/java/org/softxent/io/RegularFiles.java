package org.softxent.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Input files are regular files: a named pipe, a device or a socket is refused before it is
 * opened (opening a pipe blocks until someone writes to it), and so is a directory. Links are
 * followed: a link to a regular file is one.
 */
public final class RegularFiles {
    private RegularFiles() {
    }

    /**
     * Requires {@code file} to be a regular file.
     *
     * @throws java.nio.file.NoSuchFileException when there is nothing there
     * @throws FileSystemException                naming the file when it is something else; the
     *                                            reason says what it is
     */
    public static void require(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            String what = a.isDirectory() ? "a directory" : "a named pipe, socket or device";
            throw new FileSystemException(file.toString(), null, "not a regular file but " + what);
        }
    }

    /** The text of a regular file, in UTF-8; as {@link #require} for anything else. */
    public static String readString(Path file) throws IOException {
        require(file);
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
