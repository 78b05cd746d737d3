/** Every data-testid the pages carry, for component and browser tests alike. */
export const testIds = {
  app: { notConfigured: 'data-testid vigil not-configured' },
  appConfig: {
    ingestUrl: 'data-testid vigil config-ingest-url',
    sharedSecret: 'data-testid vigil config-shared-secret',
    save: 'data-testid vigil config-save',
    test: 'data-testid vigil config-test',
    result: 'data-testid vigil config-result',
  },
  notice: 'data-testid vigil notice',
  studies: { page: 'data-testid vigil studies', table: 'data-testid vigil studies-table' },
  studyForm: { form: 'data-testid vigil study-form' },
  study: { page: 'data-testid vigil study', participants: 'data-testid vigil participants-table' },
  addParticipant: { form: 'data-testid vigil add-participant' },
  editParticipant: { form: 'data-testid vigil edit-participant' },
  enrolmentSheet: {
    sheet: 'data-testid vigil enrolment-sheet',
    patientId: 'data-testid vigil sheet-patient-id',
    password: 'data-testid vigil sheet-password',
    serverUrl: 'data-testid vigil sheet-server-url',
    link: 'data-testid vigil sheet-link',
  },
  devices: {
    section: 'data-testid vigil devices',
    connectLink: 'data-testid vigil connect-link',
    move: 'data-testid vigil move-connection',
  },
  participant: {
    page: 'data-testid vigil participant',
    phone: 'data-testid vigil participant-phone',
    uploads: 'data-testid vigil uploads-table',
  },
  audit: { page: 'data-testid vigil audit', table: 'data-testid vigil audit-table' },
  operations: { page: 'data-testid vigil operations', queue: 'data-testid vigil queue' },
};
