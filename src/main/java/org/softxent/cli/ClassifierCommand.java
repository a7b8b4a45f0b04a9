package org.softxent.cli;

import java.nio.file.Path;
import java.util.Map;
import org.softxent.ClassifierOptions;
import org.softxent.Softxent;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "classifier",
        description = "One step of the linear softmax classifier: logits = x·w + b, loss = mean cross-entropy + "
                + "reg·Σw². Writes loss.npy, grad_w.npy, grad_b.npy (when --b is given) and grad_x.npy.")
final class ClassifierCommand extends OperationCommand {
    @Option(names = "--x", required = true, paramLabel = "FILE", description = "inputs [N, D], float32.")
    Path x;

    @Option(names = "--w", required = true, paramLabel = "FILE", description = "weights [D, C], float32.")
    Path w;

    @Option(names = "--b", paramLabel = "FILE", description = "bias [C], float32 (optional).")
    Path b;

    @Option(names = "--labels", required = true, paramLabel = "FILE", description = "integer labels [N], int64 or int32.")
    Path labels;

    @Option(names = "--reg", paramLabel = "R", defaultValue = "0", description = "L2 strength: loss += R·Σw² (default 0).")
    double reg;

    @Mixin
    CrossEntropyFlags flags;

    @Override
    Inputs inputs() {
        return Inputs.forCommandLine()
                .read("x", x)
                .read("w", w)
                .read("b", b)
                .read("labels", labels)
                .read("class_weights", flags.classWeights);
    }

    @Override
    Map<String, NpyArray> compute(Softxent sx, Inputs in) {
        ClassifierOptions loss = flag("--reduction",
                () -> ClassifierOptions.defaults().withCrossEntropy(flags.options()));
        return Operations.classifier(sx, in, flag("--reg", () -> loss.withReg(reg)));
    }
}
