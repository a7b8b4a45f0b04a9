package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.softxent.testing.GpuTest;

/** The one owner of engine memory: closing is idempotent, and a leak is reported, freed and never a crash. */
@GpuTest
class MemoryTest {

    @Test
    void closingTwiceFreesOnce() {
        CudaBackends.takeLeakReports();
        CudaEngine engine = (CudaEngine) CudaBackends.open(true);
        try {
            engine.begin();
            long held = engine.heldBytes();
            Memory m = Memory.device(engine.memory, 4096, "a test buffer");
            assertEquals(held + 4096, engine.heldBytes());
            m.close();
            m.close();
            assertEquals(held, engine.heldBytes());
        } finally {
            engine.close();
        }
        assertEquals(List.of(), CudaBackends.takeLeakReports());
    }

    @Test
    void memoryStillOpenWhenTheEngineClosesIsReportedAndFreed() {
        CudaBackends.takeLeakReports();
        CudaEngine engine = (CudaEngine) CudaBackends.open(true);
        engine.begin();
        Memory.device(engine.memory, 1000, "a forgotten buffer");
        Memory.pinned(engine.memory, 2000, "forgotten staging");
        engine.close();
        List<String> leaks = CudaBackends.takeLeakReports();
        assertEquals(2, leaks.size(), leaks.toString());
        assertTrue(leaks.get(0).contains("device memory for a forgotten buffer (1000 bytes) was still open"), leaks.get(0));
        assertTrue(leaks.get(1).contains("pinned host memory for forgotten staging (2000 bytes)"), leaks.get(1));
    }

    @Test
    void memoryDroppedWithoutCloseIsReportedByTheCleaner() throws Exception {
        CudaBackends.takeLeakReports();
        CudaEngine engine = (CudaEngine) CudaBackends.open(true);
        try {
            engine.begin();
            long held = engine.heldBytes();
            dropOne(engine);
            List<String> leaks = new ArrayList<>();
            for (int i = 0; i < 100 && leaks.isEmpty(); i++) {
                System.gc();
                Thread.sleep(20);
                leaks.addAll(CudaBackends.takeLeakReports());
            }
            assertEquals(1, leaks.size(), leaks.toString());
            assertTrue(leaks.get(0).contains("a dropped buffer (512 bytes) was dropped without close()"), leaks.get(0));
            assertEquals(held, engine.heldBytes(), "the cleaner freed it");
        } finally {
            engine.close();
        }
    }

    @Test
    void anEngineDroppedWithoutCloseIsReportedAndReleased() throws Exception {
        CudaBackends.takeLeakReports();
        openAndDrop();
        List<String> leaks = new ArrayList<>();
        for (int i = 0; i < 100 && leaks.stream().noneMatch(l -> l.startsWith("a GPU engine")); i++) {
            System.gc();
            Thread.sleep(20);
            leaks.addAll(CudaBackends.takeLeakReports());
        }
        // The engine, and each of its buffers (each owner has a cleaner of its own), in any order.
        assertTrue(leaks.stream().anyMatch(l -> l.startsWith("a GPU engine") && l.endsWith("was dropped without close()")),
                leaks.toString());
        Thread.sleep(100);
        CudaBackends.takeLeakReports();
    }

    private static void openAndDrop() {
        CudaEngine engine = (CudaEngine) CudaBackends.open(true);
        engine.softmax(new float[] {1, 2}, 1, 2, false, new float[2]);
    }

    private static void dropOne(CudaEngine engine) {
        Memory.device(engine.memory, 512, "a dropped buffer");
    }
}
