package org.softxent.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.softxent.DeviceUnavailableException;
import org.softxent.io.NpyFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The command line: {@code java -jar softxent.jar <command> [flags]}.
 *
 * <p>Exit status: 0 success; 1 {@code check} found a failing case; 2 bad input (a flag, a file, a
 * shape, an unusable device, inputs larger than the Java heap), with one line on standard error that
 * names the argument; 3 an internal error, also one line.
 *
 * <p>The commands are added by {@link #execute}, not listed in the annotation: only the one a
 * command line names is built.
 */
@Command(name = "softxent",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "Softmax, cross-entropy losses and their gradients for whole batches, on the GPU or the CPU.%n"
                + "Inputs and outputs are NumPy .npy files (float32; labels int64 or int32).")
public final class Main implements Runnable {
    static final int EXIT_FAILED_CHECK = 1;
    static final int EXIT_BAD_INPUT = 2;
    static final int EXIT_INTERNAL = 3;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        // A command stopped by a signal (Ctrl-C, SIGTERM) says so: its outputs, written all or
        // nothing, are not there, and without a word the user could not tell it from a silent success.
        StopNotice notice = new StopNotice(args.length > 0 ? args[0] : null, System.err);
        Runtime.getRuntime().addShutdownHook(new Thread(notice));
        int status;
        try {
            status = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        } finally { // an Error thrown through too: the JVM's exit then is no signal's
            notice.finish();
        }
        System.exit(status);
    }

    /** Every command, in the order the usage lists them. */
    private static final List<Class<?>> COMMANDS = List.of(
            SoftmaxCommand.class,
            CrossEntropyCommand.class,
            ClassifierCommand.class,
            SoftmaxBackwardCommand.class,
            SoftmaxJacobianCommand.class,
            BinaryCrossEntropyCommand.class,
            TrainCommand.class,
            PredictCommand.class,
            EvaluateCommand.class,
            ConvertCommand.class,
            CheckCommand.class,
            BenchCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class);

    /**
     * The commands a command line needs: the one its first argument names (picocli builds each from
     * its annotations, about 10 ms apiece, where a command waits for them), else every one (the
     * usage, help, a mistyped name).
     */
    static List<Class<?>> commandsFor(String... args) {
        if (args.length > 0) {
            for (Class<?> c : COMMANDS) {
                Command command = c.getAnnotation(Command.class);
                if (c != CommandLine.HelpCommand.class && command.name().equals(args[0])) {
                    return List.of(c);
                }
            }
        }
        return COMMANDS;
    }

    /** Runs the command line with the given streams and returns the exit status. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return execute(out, err, commandsFor(args), args);
    }

    /** Runs the command line with these commands only. */
    static int execute(PrintWriter out, PrintWriter err, List<Class<?>> commands, String... args) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : commands) {
            cl.addSubcommand(c);
        }
        cl.setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((ex, arguments) -> {
                    CommandLine cmd = ex.getCommandLine();
                    cmd.getErr().println(oneLine(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                            + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')"));
                    return EXIT_BAD_INPUT;
                })
                .setExecutionExceptionHandler((ex, cmd, parseResult) -> {
                    cmd.getErr().println(oneLine(cmd.getCommandSpec().qualifiedName() + ": " + describe(ex)));
                    return exitCode(ex);
                });
        try {
            return cl.execute(args);
        } catch (InternalError e) {
            if (!NpyFile.isMappedReadFault(e)) {
                throw e;
            }
            // A mapped input cut short while it was read (the reads' own handlers may not see the
            // fault: the JVM raises it later, on whichever thread read): one line, as any bad input.
            String command = args.length > 0 && commands.size() == 1 ? " " + args[0] : "";
            List<Path> files = NpyFile.cutShort();
            err.println(oneLine("softxent" + command + ": " + (files.isEmpty()
                    ? "an input file read through a memory map was cut short while it was read"
                    : String.join(", ", files.stream().map(Path::toString).toList()) + " ended while being read: "
                    + "was it cut short meanwhile?")));
            return EXIT_BAD_INPUT;
        } catch (OutOfMemoryError e) {
            // The inputs' size against the heap's: the user's to change, as any other bad input.
            String command = args.length > 0 && commands.size() == 1 ? " " + args[0] : "";
            String why = String.valueOf(e.getMessage());
            if (!why.contains("Java heap space") && !why.contains("GC overhead")) { // not the heap: threads, say
                err.println(oneLine("softxent" + command + ": out of memory (" + why + ")"));
                return EXIT_INTERNAL;
            }
            err.println(oneLine("softxent" + command + ": out of memory: the inputs and outputs need more than this "
                    + "JVM's heap of " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB (give it more: "
                    + "SOFTXENT_JAVA_OPTS=-Xmx8g with target/softxent, java -Xmx8g -jar otherwise"
                    + (command.equals(" train") ? "; or train --stream, which keeps no scaled copy of the training "
                    + "rows and reads a .npy a block at a time (softxent convert writes one from a CSV)" : "") + ")"));
            return EXIT_BAD_INPUT;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * The line a command stopped by a signal (Ctrl-C, SIGTERM) prints from the JVM's shutdown hook:
     * its outputs, written all or nothing, are not there, and without a word the user could not
     * tell it from a silent success. Nothing once the command has finished, however it ended.
     */
    static final class StopNotice implements Runnable {
        private final String command;
        private final java.io.PrintStream err;
        private boolean finished;

        StopNotice(String command, java.io.PrintStream err) {
            this.command = command;
            this.err = err;
        }

        /** The command has ended (returned or thrown): a later exit is no signal's. */
        synchronized void finish() {
            finished = true;
        }

        @Override
        public synchronized void run() {
            if (!finished) {
                err.println(oneLine("softxent" + (command != null ? " " + command : "") + ": stopped by a signal "
                        + "before it finished; what it had not finished writing is removed"));
            }
        }
    }

    /**
     * An error as the one line it must be: line breaks and other control characters (a file name
     * may hold them) shown escaped, and at most 1,000 characters.
     */
    static String oneLine(String message) {
        StringBuilder b = new StringBuilder(Math.min(message.length(), 1000) + 16);
        for (int i = 0; i < message.length() && b.length() < 1000; i++) {
            char c = message.charAt(i);
            if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                b.append('?');
            } else {
                b.append(c);
            }
        }
        if (b.length() >= 1000) {
            b.append(" ...");
        }
        return b.toString();
    }

    private static int exitCode(Exception ex) {
        if (ex instanceof IllegalArgumentException || ex instanceof IOException || ex instanceof UncheckedIOException
                || ex instanceof DeviceUnavailableException) {
            return EXIT_BAD_INPUT;
        }
        return EXIT_INTERNAL;
    }

    /**
     * An error in words for its one line: the file and what is wrong with it for an I/O error
     * (never a Java class name), the message for bad input, and "internal error: ..." otherwise.
     */
    static String describe(Exception ex) {
        Throwable t = ex instanceof UncheckedIOException ? ex.getCause() : ex;
        if (t instanceof NoSuchFileException f) {
            return "file not found: " + f.getFile();
        }
        if (t instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (t instanceof FileAlreadyExistsException f) {
            return "not a directory (a file is in the way): " + f.getFile();
        }
        if (t instanceof FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() == null ? "cannot be used" : f.getReason());
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (exitCode(ex) == EXIT_INTERNAL) {
            return "internal error: " + t.getClass().getSimpleName() + ": " + message;
        }
        return message;
    }

    /** The version from the jar's manifest. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"softxent " + (v == null ? "(development build)" : v)};
        }
    }
}
