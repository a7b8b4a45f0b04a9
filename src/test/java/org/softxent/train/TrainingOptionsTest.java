package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Equality of training options: by value, and by whether an option a fit may refuse was given. */
class TrainingOptionsTest {
    @Test
    void anOptionGivenAtItsDefaultThatAFitRefusesMakesOtherOptions() {
        TrainingOptions defaults = TrainingOptions.defaults();
        TrainingOptions given = defaults.withBatchSize(defaults.batchSize()); // refused under L-BFGS
        assertNotEquals(defaults, given, "one trains, the other is refused");
        assertNotEquals(defaults.toString(), given.toString());
        assertTrue(given.toString().contains("batchSize=" + defaults.batchSize()), given.toString());
        assertEquals(given, defaults.withBatchSize(defaults.batchSize()));
        assertEquals(given.hashCode(), defaults.withBatchSize(defaults.batchSize()).hashCode());
        // Options whose setting alone changes nothing stay equal by value: SGD's under SGD, l2, the optimizer.
        TrainingOptions sgd = defaults.withOptimizer(TrainingOptions.Optimizer.SGD);
        assertEquals(sgd, sgd.withBatchSize(sgd.batchSize()));
        assertEquals(sgd.hashCode(), sgd.withBatchSize(sgd.batchSize()).hashCode());
        assertEquals(defaults, defaults.withLabelSmoothing(-0.0), "-0 is 0");
        assertEquals(defaults.toString(), defaults.withLabelSmoothing(-0.0).toString());
        assertNotEquals(defaults, defaults.withPatience(defaults.patience()),
                "patience given is refused without validation rows");
        assertEquals(defaults, defaults.withL2(defaults.l2()).withOptimizer(TrainingOptions.Optimizer.LBFGS));
        assertEquals(defaults.hashCode(), defaults.withL2(defaults.l2()).hashCode());
    }

    @Test
    void noClassWeightsAtAllIsSaidSo() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TrainingOptions.defaults().withClassWeights(new float[0]));
        assertTrue(e.getMessage().startsWith("classWeights is empty"), e.getMessage());
    }
}
