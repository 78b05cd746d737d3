import React, { useState } from 'react';
import { useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Alert, LinkButton, LoadingPlaceholder } from '@grafana/ui';
import {
  createIntervention,
  createSurvey,
  getSurvey,
  listInterventions,
  updateSurvey,
  type SurveyDefinition,
} from '../api/study-config.ts';
import type { Study } from '../api/types.ts';
import { prefixRoute, surveyPath } from '../constants.ts';
import { useRequest } from '../hooks/use-request.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { StudyShell } from '../components/StudyTabs/StudyShell.tsx';
import { SurveyEditor } from '../components/SurveyEditor/SurveyEditor.tsx';
import { emptyDraft, toDraft } from '../components/SurveyEditor/survey-draft.ts';

/** Create or edit one survey of a study. */
export default function SurveyPage() {
  const { surveyId } = useParams<{ surveyId: string }>();
  return (
    <StudyShell tab="surveys" title={surveyId === 'new' ? 'New survey' : 'Survey'}>
      {(study) => <Editor key={surveyId} study={study} surveyId={surveyId === 'new' ? null : Number(surveyId)} />}
    </StudyShell>
  );
}

function Editor({ study, surveyId }: { study: Study; surveyId: number | null }) {
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  // A survey just created arrives here with the notice of its creation.
  const [notice, setNotice] = useState<Notice | null>((location.state as { notice?: Notice } | null)?.notice ?? null);
  const survey = useRequest(async () => (surveyId === null ? null : getSurvey(surveyId)), [surveyId]);
  const interventions = useRequest(() => listInterventions(study.id), [study.id]);
  const [revision, setRevision] = useState(0);

  const save = async (definition: SurveyDefinition) => {
    if (surveyId === null) {
      const created = await createSurvey(study.id, definition);
      const text = `Created survey ${created.name || created.id}.`;
      navigate(surveyPath(study.id, created.id), {
        replace: true,
        state: { notice: { severity: 'success', text } },
      });
      return;
    }
    // A survey's type never changes, so a change does not name it.
    const { name, content, settings, schedules } = definition;
    const saved = await updateSurvey(surveyId, { name, content, settings, schedules });
    setNotice({ severity: 'success', text: `Saved survey ${saved.name || saved.id} (version ${saved.version}).` });
    survey.reload();
    setRevision((r) => r + 1);
  };
  const addIntervention = async (name: string) => {
    const created = await createIntervention(study.id, name);
    setNotice({ severity: 'success', text: `Added intervention ${created.name}.` });
    interventions.reload();
  };

  const error = survey.state.status === 'error' ? survey.state.error : null;
  const loaded = survey.state.status === 'done' && interventions.state.value;
  const current = survey.state.value;
  return (
    <div>
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
      {error && <ErrorAlert title="Could not load the survey" error={error} onRetry={survey.reload} />}
      {interventions.state.status === 'error' && (
        <ErrorAlert
          title="Could not load the interventions"
          error={interventions.state.error}
          onRetry={interventions.reload}
        />
      )}
      {!loaded && !error && <LoadingPlaceholder text="Loading survey…" />}
      {current?.deletedAt && (
        <Alert title="This survey is deleted" severity="warning">
          Restore it from the Trash on the surveys page before changing it.
        </Alert>
      )}
      {loaded && (
        <SurveyEditor
          // Saved: the editor starts again from what the ingest now holds.
          key={`${current?.version ?? 'new'}-${revision}`}
          initial={
            current
              ? toDraft(current)
              : emptyDraft(params.get('type') === 'audio_survey' ? 'audio_survey' : 'tracking_survey')
          }
          isNew={surveyId === null}
          timezone={study.timezone}
          interventions={interventions.state.value?.items ?? []}
          onSave={save}
          onAddIntervention={addIntervention}
        />
      )}
      <LinkButton variant="secondary" fill="text" icon="arrow-left" href={prefixRoute(`studies/${study.id}/surveys`)}>
        All surveys
      </LinkButton>
    </div>
  );
}
