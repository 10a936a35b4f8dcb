package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What {@link UndertowIoThreads#of} finds for a request of Undertow's package whose classes are not those of Undertow
 * 2.3 (another version, its internals changed): no IO thread, so that its stream is asked and read where the upstream
 * client asks, as on other containers, and nothing fails. Such classes cannot come from the Undertow on the class path:
 * they are made here, with ASM, in a package of Undertow's name; the IO thread of a real Undertow's exchange is in
 * ChunkedUploadIntegrationTests (every read of a body on XNIO's IO thread). The lookups are kept per class: each
 * request asks twice, as a second request of the same class would.
 */
class UndertowIoThreadsTests {

    /** A request class without {@code getExchange()}: no IO thread, also unwrapped from a filter's wrapper. */
    @Test
    void aRequestOfAnotherUndertowWithoutItsExchangeHasNoIoThread() throws Exception {
        ServletRequest request = anotherUndertowsRequest("RequestWithoutExchange", false);

        assertThat(Containers.onUndertow(request)).as("taken for Undertow's").isTrue();
        assertThat(UndertowIoThreads.of(request)).isNull();
        assertThat(UndertowIoThreads.of(new ServletRequestWrapper(request))).isNull();
    }

    /** A request whose exchange has no {@code getIoThread()}: no IO thread either. */
    @Test
    void aRequestOfAnotherUndertowWhoseExchangeHasNoIoThreadHasNoIoThread() throws Exception {
        ServletRequest request = anotherUndertowsRequest("RequestWithForeignExchange", true);

        assertThat(UndertowIoThreads.of(request)).isNull();
        assertThat(UndertowIoThreads.of(request)).isNull();
    }

    /**
     * @param simpleName the name of the class in {@code io.undertow.anotherversion}
     * @param withExchange whether it has a public {@code Object getExchange()}, which returns a plain {@code Object}
     * @return a new instance of a class implementing {@link ServletRequest} with none of its methods but that one
     */
    private static ServletRequest anotherUndertowsRequest(String simpleName, boolean withExchange) throws Exception {
        String internalName = "io/undertow/anotherversion/" + simpleName;
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internalName, null, "java/lang/Object",
                new String[] {"jakarta/servlet/ServletRequest"});
        MethodVisitor constructor = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        constructor.visitCode();
        constructor.visitVarInsn(Opcodes.ALOAD, 0);
        constructor.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        constructor.visitInsn(Opcodes.RETURN);
        constructor.visitMaxs(0, 0);
        constructor.visitEnd();
        if (withExchange) {
            MethodVisitor exchange = writer.visitMethod(Opcodes.ACC_PUBLIC, "getExchange", "()Ljava/lang/Object;",
                    null, null);
            exchange.visitCode();
            exchange.visitTypeInsn(Opcodes.NEW, "java/lang/Object");
            exchange.visitInsn(Opcodes.DUP);
            exchange.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
            exchange.visitInsn(Opcodes.ARETURN);
            exchange.visitMaxs(0, 0);
            exchange.visitEnd();
        }
        writer.visitEnd();
        byte[] bytes = writer.toByteArray();
        Class<?> type = new ClassLoader(UndertowIoThreadsTests.class.getClassLoader()) {
            Class<?> define() {
                return defineClass(internalName.replace('/', '.'), bytes, 0, bytes.length);
            }
        }.define();
        return (ServletRequest) type.getConstructor().newInstance();
    }
}
