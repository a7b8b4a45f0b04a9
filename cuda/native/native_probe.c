/*
 * One JNI function for CublasLoader: asks the dynamic linker whether a shared library can be
 * loaded, the way a NEEDED entry would be resolved, without keeping it loaded. Java has no
 * dlopen, and loading JCublas2 to find out is not an option: its class cannot be initialised a
 * second time after a failure.
 *
 * Build: gcc -shared -fPIC -O2 -I$JAVA_HOME/include -I$JAVA_HOME/include/linux native_probe.c -ldl
 */
#include <dlfcn.h>
#include <jni.h>

JNIEXPORT jboolean JNICALL Java_org_softxent_cuda_NativeProbe_canLoad(JNIEnv *env, jclass cls, jstring name) {
    (void) cls;
    const char *soname = (*env)->GetStringUTFChars(env, name, NULL);
    if (soname == NULL) return JNI_FALSE;
    void *handle = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    (*env)->ReleaseStringUTFChars(env, name, soname);
    if (handle == NULL) return JNI_FALSE;
    dlclose(handle);
    return JNI_TRUE;
}
