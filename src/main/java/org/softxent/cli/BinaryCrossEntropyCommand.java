package org.softxent.cli;

import java.nio.file.Path;
import java.util.Map;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.Reduction;
import org.softxent.Softxent;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "binary-cross-entropy",
        description = "Sigmoid binary cross-entropy from logits, as PyTorch's F.binary_cross_entropy_with_logits: "
                + "writes loss.npy (a scalar, or the logits' shape for --reduction none), grad_logits.npy and "
                + "probs.npy (the sigmoid).")
final class BinaryCrossEntropyCommand extends OperationCommand {
    @Option(names = "--logits", required = true, paramLabel = "FILE", description = "logits [N, K] or [N], float32.")
    Path logits;

    @Option(names = "--targets", required = true, paramLabel = "FILE", description = "targets, the logits' shape, float32.")
    Path targets;

    @Option(names = "--pos-weight", paramLabel = "FILE",
            description = "weight of positive examples [K] (for logits [N]: [N], one per element), or one value for "
                    + "every column (shape (1,) or ()), float32.")
    Path posWeight;

    @Option(names = "--reduction", paramLabel = "mean|sum|none", defaultValue = "mean",
            description = "mean over all elements (the default), sum or none.")
    Reduction reduction;

    @Override
    Inputs inputs() {
        return Inputs.forCommandLine().read("logits", logits).read("targets", targets).read("pos_weight", posWeight);
    }

    @Override
    Map<String, NpyArray> compute(Softxent sx, Inputs in) {
        return Operations.binaryCrossEntropy(sx, in, BinaryCrossEntropyOptions.defaults().withReduction(reduction));
    }
}
