package org.softxent;

/**
 * The GPU does not have the memory an operation needs. The message names the operation, its shape,
 * the bytes it needs and what the device has free. The engine has released what it held for the
 * call and stays usable.
 */
public class DeviceOutOfMemoryException extends DeviceException {
    public DeviceOutOfMemoryException(String message) {
        super(message);
    }
}
