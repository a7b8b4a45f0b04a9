package org.softxent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The operations' options: equal when they compute the same, and shown with their values. */
class OptionsTest {
    @Test
    void minusZeroIsZero() {
        CrossEntropyOptions smoothing = CrossEntropyOptions.defaults().withLabelSmoothing(-0.0);
        assertEquals(CrossEntropyOptions.defaults(), smoothing);
        assertEquals(CrossEntropyOptions.defaults().hashCode(), smoothing.hashCode());
        assertEquals(CrossEntropyOptions.defaults().toString(), smoothing.toString());
        ClassifierOptions reg = ClassifierOptions.defaults().withReg(-0.0);
        assertEquals(ClassifierOptions.defaults(), reg);
        assertEquals(0.0, reg.reg());
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(reg.reg()));
        assertEquals(CrossEntropyOptions.defaults().withClassWeights(new float[] {0, 1}),
                CrossEntropyOptions.defaults().withClassWeights(new float[] {-0f, 1}));
        assertEquals(BinaryCrossEntropyOptions.defaults().withPosWeight(new float[] {0, 1}),
                BinaryCrossEntropyOptions.defaults().withPosWeight(new float[] {-0f, 1}));
        assertEquals(org.softxent.train.TrainingOptions.defaults().withClassWeights(new float[] {0, 1}),
                org.softxent.train.TrainingOptions.defaults().withClassWeights(new float[] {-0f, 1}));
    }

    @Test
    void weightsAreShownByTheirValues() {
        CrossEntropyOptions a = CrossEntropyOptions.defaults().withClassWeights(new float[] {1, 2, 3});
        CrossEntropyOptions b = CrossEntropyOptions.defaults().withClassWeights(new float[] {1, 2, 4});
        assertNotEquals(a, b);
        assertNotEquals(a.toString(), b.toString(), "unequal options are told apart in a log");
        assertTrue(a.toString().contains("classWeights=[1.0, 2.0, 3.0]"), a.toString());
        float[] many = new float[1000];
        java.util.Arrays.fill(many, 0.5f);
        String shown = CrossEntropyOptions.defaults().withClassWeights(many).toString();
        assertTrue(shown.contains("... (1000 values)]") && shown.length() < 300, shown);
        String pos = BinaryCrossEntropyOptions.defaults().withPosWeight(new float[] {2, 3}).toString();
        assertTrue(pos.contains("posWeight=[2.0, 3.0]"), pos);
    }
}
