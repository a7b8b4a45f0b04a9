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

    /** How the reason of {@link #readString}'s refusal of a file that is not UTF-8 begins. */
    public static final String NOT_UTF8 = "not UTF-8 text";

    /**
     * The text of a regular file, in UTF-8; as {@link #require} for anything else.
     *
     * @throws FileSystemException naming the file and the offset of its first byte that is not
     *                             UTF-8 (a file saved as Latin-1 or UTF-16, say)
     */
    public static String readString(Path file) throws IOException {
        require(file);
        byte[] bytes = Files.readAllBytes(file);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new FileSystemException(file.toString(), null, NOT_UTF8 + ": byte " + at + " (0x"
                    + String.format("%02x", bytes[Math.min(at, bytes.length - 1)] & 0xff) + ") "
                    + (r.isMalformed() ? "starts no UTF-8 character" : "is no character") + (bytes.length > 1
                    && ((bytes[0] == (byte) 0xff && bytes[1] == (byte) 0xfe) || (bytes[0] == (byte) 0xfe
                    && bytes[1] == (byte) 0xff)) ? " (the file starts as UTF-16 does: save it as UTF-8)" : ""));
        }
        return out.flip().toString();
    }
}
