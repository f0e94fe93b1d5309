void sys_identity_register(void) __attribute__((weak));
void sys_identity_register(void) {}
void sys_socket_register(void) __attribute__((weak));
void sys_socket_register(void) {}
