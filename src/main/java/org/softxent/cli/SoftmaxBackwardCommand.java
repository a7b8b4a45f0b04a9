package org.softxent.cli;

import java.nio.file.Path;
import java.util.Map;
import org.softxent.Softxent;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "softmax-backward",
        description = "The softmax backward pass for an upstream gradient: writes probs.npy = softmax(logits) and "
                + "grad_logits.npy = P ⊙ (G − rowsum(G ⊙ P)), both [N, C].")
final class SoftmaxBackwardCommand extends OperationCommand {
    @Option(names = "--logits", required = true, paramLabel = "FILE", description = "logits [N, C], float32.")
    Path logits;

    @Option(names = "--grad-probs", required = true, paramLabel = "FILE",
            description = "upstream gradient G with respect to the softmax output [N, C], float32.")
    Path gradProbs;

    @Override
    Inputs inputs() {
        return Inputs.forCommandLine().read("logits", logits).read("grad_probs", gradProbs);
    }

    @Override
    Map<String, NpyArray> compute(Softxent sx, Inputs in) {
        return Operations.softmaxBackward(sx, in);
    }
}
