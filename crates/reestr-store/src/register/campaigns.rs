//! Campaigns: create one, see a dry run of it, issue its summonses in batches, follow its
//! progress.
//!
//! Issuing goes batch by batch, each batch one transaction that posts its summonses through the
//! same path as a single summons, records who was summoned (one summons per person per campaign:
//! the database's unique key) and moves each region's cursor on. An interruption loses at most
//! the batch under way, which rolls back whole; the next batch starts where the last committed
//! one stood.

use jiff::Timestamp;
use reestr_core::{
    access::Principal,
    campaign::{CampaignError, CampaignSpec, CampaignState, Verdict, judge, status_on},
    event::{Actor, EventKind},
    person::{Field, PersonId, Record, Registration},
    region::{CommissariatCode, RegionCode, Rollout},
    summons::{Appointment, Draft},
};
use serde_json::json;

use super::{Register, event, not_found};
use crate::{
    Result, StoreError,
    store::{CampaignMember, CampaignRegionRow, CampaignRow, CohortCandidate, CohortFilter, ReadTx, WriteTx},
    time::truncate,
};

/// Persons read per query while walking a cohort.
const PAGE: usize = 5_000;
/// The largest sample a dry run shows.
pub const MAX_SAMPLE: usize = 100;

/// The fields a dry run's sample shows (none of them sensitive); each shown is a logged read.
pub const SAMPLE_FIELDS: [Field; 6] = [
    Field::Surname,
    Field::GivenName,
    Field::Patronymic,
    Field::BirthDate,
    Field::Commissariat,
    Field::RegistrationStatus,
];

/// A campaign and where its issuing stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: i64,
    pub spec: CampaignSpec,
    pub state: CampaignState,
    pub created_at: Timestamp,
    pub created_by: String,
    pub issued_by: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub regions: Vec<RegionProgress>,
}

impl Campaign {
    /// The persons of a region who may be in the cohort, after a person, at most `limit`.
    fn cohort_filter(&self, region: i64, after: i64, limit: usize) -> CohortFilter {
        let (born_from, born_to) = self.spec.birth_dates();
        CohortFilter {
            campaign: self.id,
            region,
            commissariat: self.spec.commissariat.as_ref().map(|c| c.to_string()),
            born_from,
            born_to,
            after,
            limit,
        }
    }

    pub fn issued(&self) -> u64 {
        self.regions.iter().map(|r| r.issued).sum()
    }

    pub fn quota(&self) -> u64 {
        self.regions.iter().map(|r| r.quota).sum()
    }
}

/// A region's quota and how far issuing has come there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionProgress {
    pub region: RegionCode,
    pub quota: u64,
    pub issued: u64,
    /// Persons of the cohort passed over because they held an open summons.
    pub held_open: u64,
    /// When the quota was reached or the region ran out of eligible persons (or does not operate).
    pub finished_at: Option<Timestamp>,
}

/// What issuing a campaign would do now, region by region, and a sample of whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    pub regions: Vec<RegionDryRun>,
    pub sample: Vec<SampleEntry>,
}

impl DryRun {
    /// Summonses issuing would post now, in all.
    pub fn would_issue(&self) -> u64 {
        self.regions.iter().map(|r| r.would_issue).sum()
    }

    pub fn cohort(&self) -> u64 {
        self.regions.iter().map(|r| r.cohort).sum()
    }

    pub fn open_summonses(&self) -> u64 {
        self.regions.iter().map(|r| r.open_summonses).sum()
    }
}

/// One region of a dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionDryRun {
    pub region: RegionCode,
    pub rollout: Rollout,
    pub quota: u64,
    /// Already issued by this campaign.
    pub issued: u64,
    /// Persons of the region in the cohort (birth years, status), summoned by the campaign or not.
    pub cohort: u64,
    /// Of those not yet summoned by the campaign, how many hold an open summons (and are left out).
    pub open_summonses: u64,
    /// Eligible persons not yet summoned by the campaign.
    pub eligible: u64,
    /// How many summonses issuing would post: the eligible within what is left of the quota,
    /// none where the register does not operate.
    pub would_issue: u64,
}

/// A person of a dry run's sample: non-sensitive fields only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleEntry {
    pub person: PersonId,
    pub region: RegionCode,
    pub record: Record,
    pub status: Registration,
}

/// What one batch of issuing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    pub issued: u64,
    /// The campaign is done (now or before).
    pub done: bool,
}

impl Register {
    fn campaign_in(&self, tx: &mut dyn ReadTx, id: i64) -> Result<Campaign> {
        let row = tx.campaign(id)?.ok_or_else(|| not_found("campaign", id))?;
        let regions = tx.campaign_regions(id)?;
        campaign_of(row, regions)
    }

    fn check_campaign(who: &Principal, spec: &CampaignSpec) -> Result<()> {
        let regions: Vec<RegionCode> = spec.regions().collect();
        Ok(who.may_run_campaign(&regions, spec.commissariat.as_ref())?)
    }

    /// Creates a campaign (a draft: dry runs, then issuing).
    pub fn create_campaign(&self, who: &Principal, spec: CampaignSpec, now: Timestamp) -> Result<Campaign> {
        let now = truncate(now);
        let spec = spec.validate(self.dir, now)?;
        Self::check_campaign(who, &spec)?;
        let spec_json = serde_json::to_string(&spec)?;
        self.write(|tx| {
            let row = CampaignRow {
                id: 0,
                name: spec.name.clone(),
                spec: spec_json.clone(),
                state: CampaignState::Draft.as_str().to_owned(),
                created_at: now,
                created_by: who.actor.as_str().to_owned(),
                issued_by: None,
                started_at: None,
                finished_at: None,
            };
            let regions: Vec<CampaignRegionRow> = spec
                .quotas
                .iter()
                .map(|q| CampaignRegionRow {
                    campaign: 0,
                    region: i64::from(q.region.get()),
                    quota: u64::from(q.quota),
                    issued: 0,
                    held_open: 0,
                    last_person: 0,
                    finished_at: None,
                })
                .collect();
            let id = tx.insert_campaign(&row, &regions)?;
            let payload = json!({ "campaign": id, "spec": spec }).to_string();
            tx.append(&event(EventKind::CampaignCreated, &who.actor, now, None, None, &payload), now)?;
            self.campaign_in(tx, id)
        })
    }

    /// A campaign with its progress, for whoever may run it.
    pub fn campaign(&self, who: &Principal, id: i64) -> Result<Campaign> {
        let c = self.read(|tx| self.campaign_in(tx, id))?;
        Self::check_campaign(who, &c.spec)?;
        Ok(c)
    }

    /// The campaigns the principal may run, newest first.
    pub fn campaigns(&self, who: &Principal) -> Result<Vec<Campaign>> {
        who.may_list_campaigns()?;
        let all = self.read(|tx| {
            let rows = tx.campaigns()?;
            rows.into_iter()
                .rev()
                .map(|row| {
                    let regions = tx.campaign_regions(row.id)?;
                    campaign_of(row, regions)
                })
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(all.into_iter().filter(|c| Self::check_campaign(who, &c.spec).is_ok()).collect())
    }

    /// What issuing would do now: per region the cohort, those holding an open summons, the
    /// eligible and how many would be summoned within the quota; and the first `sample` persons
    /// who would be (each shown is a logged read of its non-sensitive fields).
    pub fn dry_run(&self, who: &Principal, id: i64, sample: usize, now: Timestamp) -> Result<DryRun> {
        let now = truncate(now);
        let sample = sample.min(MAX_SAMPLE);
        let (campaign, rollout, stored) =
            self.read(|tx| Ok((self.campaign_in(tx, id)?, tx.rollout()?, tx.campaign_regions(id)?)))?;
        Self::check_campaign(who, &campaign.spec)?;
        let mut out = DryRun { regions: Vec::new(), sample: Vec::new() };
        for (progress, row) in campaign.regions.iter().zip(&stored) {
            let state = rollout.get(&progress.region).copied().unwrap_or(Rollout::Off);
            let mut r = RegionDryRun {
                region: progress.region,
                rollout: state,
                quota: progress.quota,
                issued: progress.issued,
                cohort: 0,
                open_summonses: 0,
                eligible: 0,
                would_issue: 0,
            };
            let left = if state.operates() && progress.finished_at.is_none() {
                progress.quota.saturating_sub(progress.issued)
            } else {
                0
            };
            self.walk_cohort(&campaign, row.region, &mut |candidate, record, verdict| {
                match verdict {
                    Verdict::OutsideCohort => return,
                    Verdict::AlreadySummoned => {}
                    Verdict::HoldsOpenSummons => r.open_summonses += 1,
                    // Persons the cursor has passed are not reached by issuing again.
                    Verdict::Eligible if candidate.person.id.0 > row.last_person => {
                        r.eligible += 1;
                        if r.would_issue < left {
                            r.would_issue += 1;
                            if out.sample.len() < sample {
                                let status = status_on(record, campaign.spec.appointments.from);
                                let shown = record.only(&SAMPLE_FIELDS);
                                let entry = SampleEntry {
                                    person: candidate.person.id,
                                    region: r.region,
                                    record: shown,
                                    status,
                                };
                                out.sample.push(entry);
                            }
                        }
                    }
                    Verdict::Eligible => r.eligible += 1,
                }
                r.cohort += 1;
            })?;
            out.regions.push(r);
        }
        if !out.sample.is_empty() {
            let purpose = format!("campaign {id}: dry run");
            self.write(|tx| {
                for entry in &out.sample {
                    let fields: Vec<Field> = entry.record.entries().map(|(f, _)| f).collect();
                    self.log_read(tx, who, entry.person, &fields, Some(&purpose), now)?;
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// Walks the persons of a region's cohort years, in id order, each with its plain fields
    /// and verdict, a page per read.
    fn walk_cohort(
        &self,
        campaign: &Campaign,
        region: i64,
        f: &mut dyn FnMut(&CohortCandidate, &Record, Verdict),
    ) -> Result<()> {
        let mut filter = campaign.cohort_filter(region, 0, PAGE);
        loop {
            let page = self.read(|tx| tx.cohort(&filter))?;
            for c in &page {
                let record = self.codec.decode_plain(&c.person.record)?;
                f(c, &record, judge(&campaign.spec, &record, c.open_summons, c.member));
            }
            match page.last() {
                Some(last) if page.len() == PAGE => filter.after = last.person.id.0,
                _ => return Ok(()),
            }
        }
    }

    /// Starts issuing a draft campaign: from now on batches post its summonses in the
    /// principal's name. Starting one that is issuing or done changes nothing.
    pub fn start_campaign(&self, who: &Principal, id: i64, now: Timestamp) -> Result<Campaign> {
        let now = truncate(now);
        self.write(|tx| {
            let mut row = tx.campaign(id)?.ok_or_else(|| not_found("campaign", id))?;
            let spec: CampaignSpec = serde_json::from_str(&row.spec)?;
            Self::check_campaign(who, &spec)?;
            if row.state == CampaignState::Draft.as_str() {
                spec.check_not_begun(self.dir, now)?;
                row.state = CampaignState::Issuing.as_str().to_owned();
                row.issued_by = Some(who.actor.as_str().to_owned());
                row.started_at = Some(now);
                tx.update_campaign(&row)?;
                let payload = json!({ "campaign": id }).to_string();
                tx.append(&event(EventKind::CampaignIssueStarted, &who.actor, now, None, None, &payload), now)?;
            }
            self.campaign_in(tx, id)
        })
    }

    /// Campaigns being issued (to resume after an interruption).
    pub fn unfinished_campaigns(&self) -> Result<Vec<i64>> {
        self.read(|tx| {
            Ok(tx
                .campaigns()?
                .into_iter()
                .filter(|c| c.state == CampaignState::Issuing.as_str())
                .map(|c| c.id)
                .collect())
        })
    }

    /// Issues up to `batch` summonses of a campaign being issued, in one transaction, region
    /// after region, each region's persons in id order from where the last batch stopped.
    pub fn issue_campaign_batch(&self, id: i64, batch: usize, now: Timestamp) -> Result<BatchReport> {
        let now = truncate(now);
        let batch = batch.max(1);
        self.write(|tx| {
            let mut row = tx.campaign(id)?.ok_or_else(|| not_found("campaign", id))?;
            let state: CampaignState = row.state.parse()?;
            match state {
                CampaignState::Done => return Ok(BatchReport { issued: 0, done: true }),
                CampaignState::Draft => return Err(CampaignError::WrongState(state).into()),
                CampaignState::Issuing => {}
            }
            let actor = Actor::from_stored(row.issued_by.clone().unwrap_or_else(|| row.created_by.clone()));
            let campaign = campaign_of(row.clone(), Vec::new())?;
            let spec = &campaign.spec;
            let rollout = tx.rollout()?;
            // Appointments that have begun would be summonses for the past: the campaign stops.
            let begun = spec.check_not_begun(self.dir, now).is_err();
            let mut issued = 0u64;
            for mut region in tx.campaign_regions(id)? {
                if region.finished_at.is_some() {
                    continue;
                }
                let code = region_code(region.region)?;
                if begun || !rollout.get(&code).is_some_and(|r| r.operates()) {
                    region.finished_at = Some(now);
                    tx.update_campaign_region(&region)?;
                    continue;
                }
                let budget = (batch as u64 - issued).min(region.quota.saturating_sub(region.issued));
                let picked = self.pick(tx, &campaign, &mut region, budget, now)?;
                let drafts = picked
                    .iter()
                    .enumerate()
                    .map(|(i, (person, commissariat))| {
                        let address = self.dir.commissariat(commissariat)?.address_ru.clone();
                        let at = spec.appointment(region.issued + i as u64);
                        let draft = Draft {
                            person: *person,
                            commissariat: commissariat.clone(),
                            purpose: spec.purpose,
                            appointment: Appointment { at, address },
                        };
                        Ok((draft, Some(code)))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let posted = self.post(tx, &actor, drafts, Some(id), now)?;
                let members: Vec<CampaignMember> = posted
                    .iter()
                    .map(|s| CampaignMember {
                        campaign: id,
                        person: s.person,
                        summons: s.number.clone(),
                        region: region.region,
                    })
                    .collect();
                tx.insert_campaign_members(&members)?;
                region.issued += posted.len() as u64;
                issued += posted.len() as u64;
                if region.issued >= region.quota {
                    region.finished_at = Some(now);
                }
                tx.update_campaign_region(&region)?;
                if issued >= batch as u64 {
                    break;
                }
            }
            let regions = tx.campaign_regions(id)?;
            let done = regions.iter().all(|r| r.finished_at.is_some());
            if done {
                row.state = CampaignState::Done.as_str().to_owned();
                row.finished_at = Some(now);
                tx.update_campaign(&row)?;
                let total: u64 = regions.iter().map(|r| r.issued).sum();
                let why = if begun { "appointments_begun" } else { "complete" };
                let payload = json!({ "campaign": id, "issued": total, "ended": why }).to_string();
                tx.append(&event(EventKind::CampaignIssued, &actor, now, None, None, &payload), now)?;
            }
            Ok(BatchReport { issued, done })
        })
    }

    /// Takes up to `budget` eligible persons of a region after its cursor, moving the cursor
    /// over every person considered and counting those passed over for an open summons.
    fn pick(
        &self,
        tx: &mut dyn WriteTx,
        campaign: &Campaign,
        region: &mut CampaignRegionRow,
        budget: u64,
        now: Timestamp,
    ) -> Result<Vec<(PersonId, CommissariatCode)>> {
        let spec = &campaign.spec;
        let mut picked = Vec::new();
        loop {
            let filter = campaign.cohort_filter(region.region, region.last_person, PAGE.min(budget as usize * 2 + 16));
            let page = tx.cohort(&filter)?;
            for c in &page {
                if picked.len() as u64 == budget {
                    return Ok(picked);
                }
                let record = self.codec.decode_plain(&c.person.record)?;
                match judge(spec, &record, c.open_summons, c.member) {
                    Verdict::Eligible => {
                        let commissariat = record
                            .commissariat()
                            .cloned()
                            .ok_or_else(|| not_found("commissariat of person", c.person.id))?;
                        picked.push((c.person.id, commissariat));
                    }
                    Verdict::HoldsOpenSummons => region.held_open += 1,
                    Verdict::AlreadySummoned | Verdict::OutsideCohort => {}
                }
                region.last_person = c.person.id.0;
            }
            if page.len() < filter.limit {
                // The region's persons ran out.
                region.finished_at = Some(now);
                return Ok(picked);
            }
        }
    }

    /// Starts a campaign if it is a draft and issues it to the end, `batch` summonses per
    /// transaction; `progress` hears after each batch and may stop the work by returning false
    /// (it resumes where it stood when called again). `now` is asked before each batch.
    pub fn issue_campaign(
        &self,
        who: &Principal,
        id: i64,
        batch: usize,
        now: &mut dyn FnMut() -> Timestamp,
        progress: &mut dyn FnMut(&Campaign) -> bool,
    ) -> Result<Campaign> {
        self.start_campaign(who, id, now())?;
        loop {
            let report = self.issue_campaign_batch(id, batch, now())?;
            let c = self.read(|tx| self.campaign_in(tx, id))?;
            // Progress hears every batch, the last one too.
            let go_on = progress(&c);
            if report.done || !go_on {
                return Ok(c);
            }
        }
    }
}

fn region_code(code: i64) -> Result<RegionCode> {
    code.to_string().parse().map_err(|_| StoreError::Corrupt(format!("a region code {code}")))
}

fn campaign_of(row: CampaignRow, regions: Vec<CampaignRegionRow>) -> Result<Campaign> {
    Ok(Campaign {
        id: row.id,
        spec: serde_json::from_str(&row.spec)?,
        state: row.state.parse()?,
        created_at: row.created_at,
        created_by: row.created_by,
        issued_by: row.issued_by,
        started_at: row.started_at,
        finished_at: row.finished_at,
        regions: regions
            .into_iter()
            .map(|r| {
                Ok(RegionProgress {
                    region: region_code(r.region)?,
                    quota: r.quota,
                    issued: r.issued,
                    held_open: r.held_open,
                    finished_at: r.finished_at,
                })
            })
            .collect::<Result<_>>()?,
    })
}
