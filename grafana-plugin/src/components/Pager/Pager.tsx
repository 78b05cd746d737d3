import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Pagination, useStyles2 } from '@grafana/ui';

/** Server-side paging: `offset`/`limit` as the admin API takes them, with a count of what is shown. */
export function Pager(props: { total: number; limit: number; offset: number; onOffset: (offset: number) => void }) {
  const s = useStyles2(getStyles);
  const { total, limit, offset, onOffset } = props;
  if (total === 0) return null;
  const pages = Math.max(1, Math.ceil(total / limit));
  const first = offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <div className={s.row}>
      <span className={s.count}>
        {first}–{last} of {total}
      </span>
      <Pagination
        currentPage={Math.floor(offset / limit) + 1}
        numberOfPages={pages}
        hideWhenSinglePage
        onNavigate={(page) => onOffset((page - 1) * limit)}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2), marginTop: theme.spacing(1) }),
  count: css({ color: theme.colors.text.secondary }),
});
