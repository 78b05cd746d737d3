/**
 * What @grafana/ui needs from a browser that jsdom lacks (the create-plugin scaffold's jest-setup,
 * for vitest): matchMedia, a canvas context, ResizeObserver. Imported before anything else in the
 * test setup, because @grafana/ui reads some of them as it loads. Files that opt into the node
 * environment (the harness's own tests) have no window and skip it.
 */
if (typeof window !== 'undefined') {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }),
  });
  HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement['getContext'];
  window.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
