package org.softxent.util;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file or folder made under a name no other path has, as {@link Files#createTempFile} and
 * {@link Files#createTempDirectory} make them, without their SecureRandom: seeding it and loading
 * the security providers took 50–90 ms of a command's start on this project's machine, for a name
 * whose only need is to be new. The name's 64 random bits need not be secret: the path is created
 * atomically (it fails where anything, a link included, is there already, and another name is
 * drawn), so nothing put in its way beforehand is ever used; a folder is its owner's alone.
 */
public final class FreshPaths {
    private static final int TRIES = 100;

    private FreshPaths() {
    }

    /** An empty file dir/prefix + 16 hexadecimal digits + suffix, new. */
    public static Path file(Path dir, String prefix, String suffix) throws IOException {
        for (int i = 0; ; i++) {
            Path p = dir.resolve(prefix + name() + suffix);
            try {
                return Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (i == TRIES) {
                    throw e;
                }
            }
        }
    }

    /** A folder only its owner may use (where the file system has POSIX permissions) in java.io.tmpdir, new. */
    public static Path privateFolder(String prefix) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        for (int i = 0; ; i++) {
            Path p = tmp.resolve(prefix + name());
            try {
                return posix ? Files.createDirectory(p, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------"))) : Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (i == TRIES) {
                    throw e;
                }
            }
        }
    }

    private static String name() {
        String hex = Long.toHexString(ThreadLocalRandom.current().nextLong());
        return "0".repeat(16 - hex.length()) + hex;
    }
}
