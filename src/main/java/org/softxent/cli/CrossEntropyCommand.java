package org.softxent.cli;

import java.nio.file.Path;
import java.util.Map;
import org.softxent.Softxent;
import org.softxent.io.NpyArray;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "cross-entropy",
        description = "Cross-entropy from logits, as PyTorch's F.cross_entropy: writes loss.npy (a scalar, or [N] "
                + "for --reduction none), grad_logits.npy and probs.npy [N, C].")
final class CrossEntropyCommand extends OperationCommand {
    @Option(names = "--logits", required = true, paramLabel = "FILE", description = "logits [N, C], float32; -inf masks a class.")
    Path logits;

    static final class Targets {
        @Option(names = "--labels", paramLabel = "FILE", description = "integer labels [N], int64 or int32.")
        Path labels;

        @Option(names = "--target-probs", paramLabel = "FILE", description = "probability targets [N, C], float32.")
        Path targetProbs;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Targets targets;

    @Mixin
    CrossEntropyFlags flags;

    @Override
    Inputs inputs() {
        return Inputs.forCommandLine()
                .read("logits", logits)
                .read("labels", targets.labels)
                .read("target_probs", targets.targetProbs)
                .read("class_weights", flags.classWeights);
    }

    @Override
    Map<String, NpyArray> compute(Softxent sx, Inputs in) {
        if (flags.ignoreIndex != null && targets.targetProbs != null) {
            throw new InputException("--ignore-index applies to --labels only, not to --target-probs");
        }
        return Operations.crossEntropy(sx, in, flags.options());
    }
}
