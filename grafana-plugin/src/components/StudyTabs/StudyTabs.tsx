import React from 'react';
import { Tab, TabsBar } from '@grafana/ui';
import { studyPath } from '../../constants.ts';

export type StudyTab =
  'participants' | 'device-settings' | 'measurements' | 'source-priority' | 'surveys' | 'study-file' | 'notifications';

const tabs: Array<{
  id: StudyTab;
  label: string;
  icon: 'users-alt' | 'mobile-android' | 'heart-rate' | 'sort-amount-down' | 'list-ul' | 'file-alt' | 'envelope';
  path: string;
}> = [
  { id: 'participants', label: 'Participants', icon: 'users-alt', path: '' },
  { id: 'device-settings', label: 'Device settings', icon: 'mobile-android', path: '/device-settings' },
  { id: 'measurements', label: 'Wearable measurements', icon: 'heart-rate', path: '/measurements' },
  { id: 'source-priority', label: 'Source priority', icon: 'sort-amount-down', path: '/source-priority' },
  { id: 'surveys', label: 'Surveys', icon: 'list-ul', path: '/surveys' },
  { id: 'study-file', label: 'Import / export', icon: 'file-alt', path: '/study-file' },
  { id: 'notifications', label: 'Notifications', icon: 'envelope', path: '/notifications' },
];

/** The parts of one study, as tabs at the top of each of its pages. */
export function StudyTabs({ studyId, active }: { studyId: number; active: StudyTab }) {
  return (
    <TabsBar>
      {tabs.map((t) => (
        <Tab
          key={t.id}
          label={t.label}
          icon={t.icon}
          href={`${studyPath(studyId)}${t.path}`}
          active={t.id === active}
        />
      ))}
    </TabsBar>
  );
}
