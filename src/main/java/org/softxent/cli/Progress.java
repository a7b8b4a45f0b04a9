package org.softxent.cli;

import java.io.PrintWriter;
import org.softxent.train.Epoch;
import org.softxent.train.TrainingListener;

/**
 * Training's progress on standard error: on a terminal one line redrawn in place (a bar, the epoch,
 * the losses, an ETA), elsewhere one plain line per epoch, so that logs stay readable.
 */
final class Progress implements TrainingListener {
    private static final int WIDTH = 24;
    private final PrintWriter err;
    private final boolean terminal;
    private final Runnable onStart;
    private boolean drawn;

    /** @param onStart what to say once training passed its checks (the run's header), or null */
    Progress(PrintWriter err, boolean terminal, Runnable onStart) {
        this.err = err;
        this.terminal = terminal;
        this.onStart = onStart;
    }

    Progress(PrintWriter err, boolean terminal) {
        this(err, terminal, null);
    }

    @Override
    public void started(String steps) {
        if (onStart != null) {
            onStart.run();
        }
    }

    @Override
    public void epoch(Epoch e, int maxEpochs) {
        String numbers = String.format("epoch %d/%d  loss %.4f  train acc %.4f%s  %.1fs", e.epoch(), maxEpochs,
                e.objective(), e.trainAccuracy(), Double.isNaN(e.validationLoss()) ? ""
                        : String.format("  val loss %.4f  val acc %.4f", e.validationLoss(), e.validationAccuracy()),
                e.seconds());
        if (!terminal) {
            err.println(numbers);
            err.flush();
            return;
        }
        int filled = (int) Math.round((double) WIDTH * e.epoch() / maxEpochs);
        double eta = e.seconds() / e.epoch() * (maxEpochs - e.epoch());
        err.print("\r[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + numbers
                + String.format("  ETA %.0fs (at most)  ", eta));
        err.flush();
        drawn = true;
    }

    /** Ends the line in place, if one was drawn. */
    void finish() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }
}
