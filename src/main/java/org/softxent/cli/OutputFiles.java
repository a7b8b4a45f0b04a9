package org.softxent.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * The output files of one command, written all or nothing; every command that writes files goes
 * through here ({@code --out} of the operations and of {@code check}, {@code bench --json}).
 *
 * <p>Each output is first written to a temporary file in its own folder, so that the final rename
 * stays on one file system. The temporary is created new (O_EXCL) and without following links, so
 * that nothing planted in the folder can redirect it, and is synced to disk once written. Only
 * when every output is complete are they renamed (atomically, one by one) onto their names, so a
 * reader never sees a half-written file. On any failure the temporaries are removed, with the
 * folders this created if they are empty, and the error names the file that could not be written.
 *
 * <p>An output name is refused, before anything is written and again just before the renames,
 * when it is a symbolic link (softxent never writes through one), something other than a regular
 * file, or the same file as an input of the command (which the output would replace). Errors are
 * {@link InputException}s that start with the flag that named the output.
 */
final class OutputFiles implements AutoCloseable {
    /** Writes one file's content. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes one file's content through its channel, which it may position (to write a header last). */
    interface ChannelContent {
        void writeTo(FileChannel channel) throws IOException;
    }

    private final String flag;
    /** The files the command reads, and how its user named each one. */
    private final Map<Path, String> inputs = new LinkedHashMap<>();
    /** Each output's final name and its temporary, in the order they were staged. */
    private final Map<Path, Path> staged = new LinkedHashMap<>();
    /** The folders this created, outermost first. */
    private final List<Path> createdFolders = new ArrayList<>();
    private boolean committed;
    /** The staged file renamed last, its old version removed first ({@link #seal}), or null. */
    private Path seal;

    /** @param flag the argument that names the outputs, for messages: "--out", "--json" */
    OutputFiles(String flag) {
        this.flag = flag;
    }

    /**
     * Checks before any work that {@code folder} can take outputs: a path that is not empty and is a
     * folder, or can be created as one in a writable folder.
     */
    void checkFolder(Path folder) {
        requireNonEmpty(folder);
        Path existing = folder.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            requireNoDanglingLink(existing);
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        if (!Files.isDirectory(existing)) {
            throw new InputException(flag + ": " + existing + " is not a folder"
                    + (existing.equals(folder.toAbsolutePath()) ? "" : " (a file is in the way of " + folder + ")"));
        }
        // Asked of the system, which gives its reason (permission denied, a read-only file system,
        // a virtual one such as /proc), rather than of the permission bits.
        try {
            Path probe = org.softxent.util.FreshPaths.file(existing, ".softxent-probe-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new InputException(flag + ": cannot write in " + existing + ": " + reason(e));
        }
    }

    /** Refuses a path that is a symbolic link to nothing: a folder cannot be made there, nor a file written. */
    private void requireNoDanglingLink(Path p) {
        if (Files.isSymbolicLink(p)) {
            String target;
            try {
                target = String.valueOf(Files.readSymbolicLink(p));
            } catch (IOException e) {
                target = "a path";
            }
            throw new InputException(flag + ": " + p + " is a symbolic link to " + target + ", which does not exist");
        }
    }

    /** Checks before any work that {@code file} can be written, as {@link #stage(Path, Content)} will. */
    void checkFile(Path file) {
        if (file.toString().isEmpty()) {
            throw new InputException(flag + ": an empty path: give a file name");
        }
        checkFolder(folderOf(file));
        checkTarget(file);
    }

    /** Registers a file the command reads, which no output may replace; {@code name} is how its user named it. */
    void protect(Path input, String name) {
        inputs.put(input, name);
    }

    /** Stages each array as {@code folder/<name>.npy}, creating the folder when it is missing. */
    void stage(Path folder, Map<String, NpyArray> arrays) throws IOException {
        Map<Path, NpyArray> files = new LinkedHashMap<>();
        arrays.forEach((name, array) -> files.put(folder.resolve(name + ".npy"), array));
        for (Path file : files.keySet()) {
            checkTarget(file);
        }
        for (Map.Entry<Path, NpyArray> e : files.entrySet()) {
            write(e.getKey(), channel -> Npy.write(Channels.newOutputStream(channel), e.getValue()));
        }
    }

    /** Stages one file, creating its folder when it is missing. */
    void stage(Path file, Content content) throws IOException {
        checkTarget(file);
        write(file, channel -> content.writeTo(Channels.newOutputStream(channel)));
    }

    /** As {@link #stage(Path, Content)}, the content written through the file's channel. */
    void stageThroughChannel(Path file, ChannelContent content) throws IOException {
        checkTarget(file);
        write(file, content);
    }

    /**
     * Renames every staged output onto its name, once each name has been checked again; the
     * {@link #seal} (its old version removed before the first rename) last. Only a change to a
     * folder while the command runs can make a rename fail; the outputs already renamed then stay
     * (and the seal is absent), the others are removed on {@link #close()}, and the error names the
     * file.
     */
    void commit() throws IOException {
        for (Path file : staged.keySet()) {
            checkTarget(file);
        }
        // The seal goes first and comes back last: a command stopped between two renames (a kill,
        // a power cut) leaves a folder without it, which reads as no model, not as one that mixes
        // the new files with the old.
        boolean sealRemoved = false;
        if (seal != null) {
            try {
                sealRemoved = Files.deleteIfExists(seal);
            } catch (IOException x) {
                throw cannotWrite(seal, x);
            }
        }
        try {
            for (Map.Entry<Path, Path> e : staged.entrySet()) {
                if (!e.getKey().equals(seal)) {
                    move(e.getValue(), e.getKey());
                }
            }
            if (seal != null) {
                move(staged.get(seal), seal);
            }
        } catch (InputException e) {
            if (!sealRemoved) {
                throw e;
            }
            // Say what the folder holds now: its old seal is gone, so it reads as holding no set at all.
            throw new InputException(e.getMessage() + "; " + seal.getParent() + " holds no complete set now: its "
                    + "old " + seal.getFileName() + " was removed before the renames, so that old and new files are "
                    + "never read together, and comes back when a run completes");
        }
        committed = true;
    }

    private void move(Path temporary, Path file) throws IOException {
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException x) {
            throw cannotWrite(file, x);
        }
    }

    /**
     * Makes the staged {@code file} the one that vouches for the others (a model's model.json, which
     * its loader reads first): {@link #commit} removes its old version before it renames any file
     * into place, and renames it last.
     */
    void seal(Path file) {
        if (!staged.containsKey(file)) {
            throw new IllegalStateException(file + " is not staged");
        }
        seal = file;
    }

    /** Removes whatever was not committed: the temporaries, then the folders this created while empty. */
    @Override
    public void close() {
        for (Path temporary : staged.values()) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // Best effort: the error that brought us here is the one to report.
            }
        }
        if (!committed) {
            for (int i = createdFolders.size() - 1; i >= 0; i--) {
                try {
                    Files.deleteIfExists(createdFolders.get(i));
                } catch (IOException ignored) {
                    // Not empty, or not ours any more: leave it.
                }
            }
        }
    }

    /**
     * Who writes a staging file, in its name: this machine's host name and this process's id. A
     * command killed by SIGKILL (the kernel's out-of-memory killer sends it) leaves its staging files
     * behind, as large as its outputs; the next command that writes the same output in the same
     * folder removes them ({@link #sweepStale}).
     */
    private static final String HOST = hostName();
    private static final String OWNER = HOST + "-" + ProcessHandle.current().pid();

    /**
     * A staging file untouched this long, of a process this machine no longer has, is stale: a
     * command writes its staging files as it stages them and renames them at its end, within
     * minutes. (The hour also covers what the process id alone cannot tell: a process of another
     * PID namespace of the same host name, another user's hidden by /proc's hidepid.)
     */
    private static final long STALE_MILLIS = 3_600_000;

    /**
     * Removes the staging files of {@code name} in {@code folder} that a process of this machine left
     * when it died: its id is in the file's name, no process has it now, and the file has not been
     * written for a minute. Files of another machine (a shared folder), of a live process, or named
     * otherwise are left. Nothing here fails the command.
     */
    private static void sweepStale(Path folder, String name) {
        if (HOST.equals(UNKNOWN_HOST)) {
            return; // no host name to tell this machine's files from another's in a shared folder
        }
        String prefix = "." + name + "." + HOST + "-";
        try (java.nio.file.DirectoryStream<Path> stale = Files.newDirectoryStream(folder,
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
            for (Path p : stale) {
                String rest = p.getFileName().toString().substring(prefix.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(rest.substring(0, Math.max(0, dash)));
                } catch (NumberFormatException notOurs) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty() && a.isRegularFile()
                        && System.currentTimeMillis() - a.lastModifiedTime().toMillis() > STALE_MILLIS) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a folder that cannot be listed, a file gone meanwhile
        }
    }

    /** The host part of staging names where the machine's name is unknown: such files are never swept. */
    private static final String UNKNOWN_HOST = "unknown";

    /**
     * This machine's host name as Linux's kernel gives it (no name service asked), letters, digits,
     * '.' and '_' kept; {@value #UNKNOWN_HOST} elsewhere.
     */
    static String hostName() {
        try {
            String kept = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim().replaceAll("[^A-Za-z0-9._]",
                    "_");
            return kept.isEmpty() ? UNKNOWN_HOST : kept;
        } catch (IOException | RuntimeException e) {
            return UNKNOWN_HOST;
        }
    }

    private void write(Path file, ChannelContent content) throws IOException {
        if (staged.containsKey(file)) {
            throw new IllegalStateException(file + " is staged twice");
        }
        Path folder = folderOf(file);
        createFolders(folder);
        sweepStale(folder, file.getFileName().toString());
        Path temporary = null;
        try {
            FileChannel opened = null;
            for (int attempt = 0; opened == null; attempt++) {
                Path candidate = folder.resolve("." + file.getFileName() + "." + OWNER + "-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try { // a name taken is tried again; what the content throws is not
                    opened = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS);
                    temporary = candidate;
                } catch (FileAlreadyExistsException taken) {
                    if (attempt == 9) {
                        throw taken;
                    }
                }
            }
            try (FileChannel channel = opened) {
                staged.put(file, temporary);
                temporary.toFile().deleteOnExit(); // and when the command is interrupted
                content.writeTo(channel);
                channel.force(true);
            }
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    /** Creates {@code folder} and its missing parents, remembering which it created. */
    private void createFolders(Path folder) {
        List<Path> missing = new ArrayList<>();
        for (Path p = folder.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            requireNoDanglingLink(p);
            missing.add(0, p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
                createdFolders.add(p);
                // Removed when the command is interrupted too, as the temporaries in it (registered
                // after it, so deleted before it); the JVM's delete leaves a folder with files in it.
                p.toFile().deleteOnExit();
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw new InputException(flag + ": " + p + " is not a folder (a file is in the way of "
                            + folder + ")");
                }
            } catch (IOException e) {
                throw new InputException(flag + ": cannot create the folder " + p + ": " + reason(e));
            }
        }
    }

    /** Refuses an output name that is a link, not a regular file, or the same file as an input. */
    private void checkTarget(Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new InputException(flag + ": cannot write " + file + ": " + reason(e));
        }
        if (a.isSymbolicLink()) {
            throw new InputException(flag + ": " + file + " is a symbolic link, and softxent does not write through "
                    + "links: remove it, or choose another " + flag);
        }
        if (!a.isRegularFile()) {
            throw new InputException(flag + ": " + file + " is " + (a.isDirectory() ? "a directory" : "not a regular "
                    + "file") + ", in the way of an output: remove it, or choose another " + flag);
        }
        for (Map.Entry<Path, String> input : inputs.entrySet()) {
            if (sameFile(file, input.getKey())) {
                throw new InputException(flag + ": writing " + file + " would replace " + input.getValue()
                        + " (" + input.getKey() + "): choose another " + flag);
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // an input that is gone cannot be replaced
        }
    }

    private void requireNonEmpty(Path path) {
        if (path.toString().isEmpty()) {
            throw new InputException(flag + ": an empty path (for the current folder, give " + flag + " .)");
        }
    }

    private InputException cannotWrite(Path file, IOException e) {
        return new InputException(flag + ": cannot write " + file + ": " + reason(e));
    }

    /** What the system said, in words: never just the file's name again. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file is in the way";
        }
        if (e instanceof FileSystemException) {
            return "the system refused (" + e.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase(java.util.Locale.ROOT) + ")";
        }
        return e.getMessage() == null ? "an I/O error" : e.getMessage();
    }

    private static Path folderOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? file.toAbsolutePath().getRoot() : parent;
    }
}
