package org.softxent.bench;

/**
 * One measured workload: what ran where, its timing, the rate it reached and its floor.
 *
 * @param workload   e.g. "cross-entropy (device)"
 * @param shape      e.g. "4096 x 32000"
 * @param device     "gpu" or "cpu"
 * @param variant    "fp32", "tf32", "streamed" (training with the set streamed), or "" where it does not apply
 * @param rate       the effective rate, in {@code unit}
 * @param unit       "GB/s" (bytes that must move per call over its time) or "TFLOP/s"
 * @param floorMs    the time of the floor (the bytes at the measured bandwidth, or the GEMMs alone);
 *                   NaN where there is none
 * @param floorWhat  what the floor is, in words
 * @param peakBytes  device memory the call held at its peak, or -1 where not measured
 */
public record Result(String workload, String shape, String device, String variant, Stats stats, double rate,
                     String unit, double floorMs, String floorWhat, long peakBytes) {

    /** Time over floor: 1.0 is the floor itself; NaN without a floor. */
    public double ratio() {
        return stats.medianMs() / floorMs;
    }
}
