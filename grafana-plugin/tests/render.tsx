import React, { type ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

/**
 * Renders a page at an in-app path the way Grafana mounts it (routes relative to /a/<id>), and
 * returns a user-event session to drive it.
 */
export function renderAt(element: ReactElement, options: { route?: string; path?: string } = {}) {
  const route = options.route ?? '*';
  const user = userEvent.setup();
  const view = render(
    <MemoryRouter initialEntries={[options.path ?? '/']}>
      <Routes>
        <Route path={route} element={element} />
      </Routes>
    </MemoryRouter>
  );
  return { user, ...view };
}
