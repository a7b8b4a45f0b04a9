package org.softxent.cli;

import java.nio.file.Path;
import org.softxent.CrossEntropyOptions;
import org.softxent.Reduction;
import picocli.CommandLine.Option;

/** The cross-entropy options shared by {@code cross-entropy} and {@code classifier}. */
final class CrossEntropyFlags {
    @Option(names = "--class-weights", paramLabel = "FILE", description = "class weights [C], float32.")
    Path classWeights;

    @Option(names = "--ignore-index", paramLabel = "K",
            description = "label of the rows to ignore (integer labels only; default -100).")
    Integer ignoreIndex;

    @Option(names = "--label-smoothing", paramLabel = "S", defaultValue = "0",
            description = "label smoothing in [0, 1] (default 0).")
    double labelSmoothing;

    @Option(names = "--reduction", paramLabel = "mean|sum|none", defaultValue = "mean",
            description = "mean (the default), sum or none (cross-entropy only).")
    Reduction reduction;

    /** The options these flags give; class weights are read as an input file, not here. */
    CrossEntropyOptions options() {
        CrossEntropyOptions options = OperationCommand.flag("--label-smoothing",
                () -> CrossEntropyOptions.defaults().withLabelSmoothing(labelSmoothing));
        options = options.withReduction(reduction);
        return ignoreIndex == null ? options : options.withIgnoreIndex(ignoreIndex);
    }
}
