package org.softxent.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New paths, never one that was there; a folder its owner's alone. */
class FreshPathsTest {
    @TempDir
    Path dir;

    @Test
    void eachFileIsNewAndEmpty() throws IOException {
        Path a = FreshPaths.file(dir, ".probe-", ".tmp");
        Path b = FreshPaths.file(dir, ".probe-", ".tmp");
        assertNotEquals(a, b);
        assertEquals(dir, a.getParent());
        assertTrue(a.getFileName().toString().matches("\\.probe-[0-9a-f]{16}\\.tmp"), a.toString());
        assertEquals(0, Files.size(a));
    }

    @Test
    void aFolderIsItsOwnersAlone() throws IOException {
        Path f = FreshPaths.privateFolder("softxent-test-");
        try {
            assertTrue(Files.isDirectory(f) && !Files.isSymbolicLink(f), f.toString());
            if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            }
        } finally {
            Files.delete(f);
        }
    }
}
