package org.softxent;

/**
 * A CUDA call failed on the device: the message names the call and the driver's error. After an
 * error that poisons the CUDA context (an illegal address, a launch failure) the engine refuses
 * further work with this exception; close it and open another.
 */
public class DeviceException extends RuntimeException {
    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
