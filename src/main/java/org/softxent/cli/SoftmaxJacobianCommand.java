package org.softxent.cli;

import java.nio.file.Path;
import java.util.Map;
import org.softxent.Softxent;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "softmax-jacobian",
        description = "The explicit softmax Jacobian of each row, J[n, i, j] = p_i·(δ_ij − p_j): writes "
                + "jacobian.npy [N, C, C]. For small C.")
final class SoftmaxJacobianCommand extends OperationCommand {
    @Option(names = "--logits", required = true, paramLabel = "FILE", description = "logits [N, C], float32.")
    Path logits;

    @Override
    Inputs inputs() {
        return Inputs.forCommandLine().read("logits", logits);
    }

    @Override
    Map<String, NpyArray> compute(Softxent sx, Inputs in) {
        return Operations.softmaxJacobian(sx, in);
    }
}
