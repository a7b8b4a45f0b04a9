package org.softxent.cli;

import java.io.PrintWriter;
import org.softxent.Device;
import org.softxent.DeviceUnavailableException;
import org.softxent.Softxent;
import picocli.CommandLine.Option;

/** The {@code --device} flag every command takes, and opening the engine it names. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu",
            description = "where to compute: the GPU when usable (auto, the default), the CPU, or the GPU "
                    + "without fallback (gpu).")
    Device device;

    /**
     * Opens the engine.
     *
     * @throws InputException naming --device when the GPU was asked for and is not usable
     */
    Softxent open() {
        Softxent sx;
        try {
            sx = Softxent.open(device);
        } catch (DeviceUnavailableException e) {
            throw new InputException("--device " + device + ": " + e.getMessage());
        }
        return sx;
    }

    /**
     * Starts opening the engine on a thread of its own, for a command that reads its files
     * meanwhile (loading a native library or creating a CUDA context takes a good part of a second;
     * the engine makes its context current on whichever thread calls it).
     */
    Opening opening() {
        return new Opening(this);
    }

    /** An engine being opened: {@link #get} waits for it; closing closes it, opened or not yet. */
    static final class Opening implements AutoCloseable {
        private final java.util.concurrent.FutureTask<Softxent> task;
        private boolean taken;

        private Opening(DeviceOption option) {
            task = new java.util.concurrent.FutureTask<>(option::open);
            Thread t = new Thread(task, "softxent-open-engine");
            t.setDaemon(true);
            t.start();
        }

        /**
         * The engine, once open; the caller closes it from now on.
         *
         * @throws InputException as {@link DeviceOption#open}
         */
        Softxent get() {
            Softxent sx = await();
            taken = true;
            return sx;
        }

        /**
         * The engine, once open, still this opening's to close.
         *
         * @throws InputException as {@link DeviceOption#open}
         */
        Softxent peek() {
            return await();
        }

        /** The failure to open, or null (the engine opened, or is still opening: this waits). */
        RuntimeException failure() {
            try {
                await();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }

        private Softxent await() {
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return task.get();
                    } catch (InterruptedException e) {
                        interrupted = true; // the engine must still be closed: wait on
                    } catch (java.util.concurrent.ExecutionException e) {
                        Throwable cause = e.getCause();
                        if (cause instanceof RuntimeException r) {
                            throw r;
                        }
                        if (cause instanceof Error r) {
                            throw r;
                        }
                        throw new IllegalStateException(cause);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Closes the engine unless {@link #get} handed it over, waiting for it to open. */
        @Override
        public void close() {
            if (!taken && failure() == null) {
                await().close();
            }
        }
    }

    /** When auto fell back to the CPU, says so, and why, on {@code err}. */
    static void noteFallback(Softxent sx, PrintWriter err) {
        String note = fallbackNote(sx);
        if (note != null) {
            err.println(note);
        }
    }

    /**
     * The line {@link #noteFallback} prints, or null: for a command that closes the engine before
     * it is done, and says it once its work has succeeded (a failing command prints its error only).
     */
    static String fallbackNote(Softxent sx) {
        return sx.fallbackReason().map(why -> "softxent: computed on the CPU: " + why).orElse(null);
    }
}
