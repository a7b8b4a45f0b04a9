package org.softxent.cli;

import java.nio.file.Path;
import java.util.Map;
import org.softxent.Softxent;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "softmax", description = "Row softmax (or log-softmax) of logits [N, C]: writes probs.npy (or log_probs.npy).")
final class SoftmaxCommand extends OperationCommand {
    @Option(names = "--logits", required = true, paramLabel = "FILE", description = "logits [N, C], float32; -inf masks a class.")
    Path logits;

    @Option(names = "--log", description = "write the log-softmax instead (log_probs.npy).")
    boolean log;

    @Override
    Inputs inputs() {
        return Inputs.forCommandLine().read("logits", logits);
    }

    @Override
    Map<String, NpyArray> compute(Softxent sx, Inputs in) {
        return Operations.softmax(sx, in, log);
    }
}
