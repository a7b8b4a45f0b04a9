package org.softxent.cuda;

import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Device;
import org.softxent.DeviceUnavailableException;
import org.softxent.Softxent;

/**
 * Run in a child JVM by {@link CublasLoadingTest} on a simulated device that has no cuBLAS:
 * softmax and cross-entropy must work, the classifier must say why it cannot. Prints key=value.
 */
public final class NoCublasChild {
    private NoCublasChild() {
    }

    public static void main(String[] args) {
        try (Softxent sx = Softxent.open(Device.GPU)) {
            System.out.println("description=" + sx.description());
            float[] p = sx.softmax(new float[] {0f, (float) Math.log(3)}, 1, 2);
            System.out.println("softmax=" + p[0] + "," + p[1]);
            System.out.println("loss=" + sx.crossEntropy(new float[] {0f, 0f}, 1, 2, new int[] {1},
                    CrossEntropyOptions.defaults()).loss());
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    sx.classifier(new float[] {1f}, new float[] {1f, 2f}, null, new int[] {0}, 1, 1, 2,
                            ClassifierOptions.defaults());
                    System.out.println("classifier=ran");
                } catch (DeviceUnavailableException e) {
                    System.out.println("classifier=" + e.getMessage());
                }
            }
            System.out.println("after=" + sx.softmax(new float[] {1f, 1f}, 1, 2)[0]);
        }
    }
}
