//! Who may do what: roles, their scopes, and the rules, as pure functions.
//!
//! The register applies these inside the transaction that reads or changes the object, so a
//! check and the act it allows see the same data.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{
    ErrorCode,
    event::Actor,
    measure::MeasureKind,
    person::{Field, PersonId},
    region::{CommissariatCode, RegionCode},
};

/// A role in the register.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A person reading their own record.
    Citizen,
    /// A commissariat's officer.
    Registrar,
    /// Reads and sets the fitness category of persons of its commissariat.
    MedicalCommission,
    /// Reads a region; switches its rollout state.
    Supervisor,
    /// An enforcing agency: sees the measures of its kinds.
    Agency,
    /// Reads records, only with a stated purpose.
    SecurityService,
    /// Users, keys, policies, rollout.
    Admin,
    /// The command line on the register's own machine: every power, recorded by login name.
    Operator,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Citizen,
        Role::Registrar,
        Role::MedicalCommission,
        Role::Supervisor,
        Role::Agency,
        Role::SecurityService,
        Role::Admin,
        Role::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Registrar => "registrar",
            Role::MedicalCommission => "medical_commission",
            Role::Supervisor => "supervisor",
            Role::Agency => "agency",
            Role::SecurityService => "security_service",
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }

    /// Staff log in with a second factor.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Citizen | Role::Agency | Role::Operator)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AccessError;
    fn from_str(s: &str) -> Result<Role, AccessError> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| AccessError::UnknownRole(s.to_owned()))
    }
}

/// What part of the register a principal's role covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Scope {
    Person(PersonId),
    Commissariat(CommissariatCode),
    Region(RegionCode),
    /// An agency and the measure kinds it enforces.
    Agency {
        name: String,
        kinds: Vec<MeasureKind>,
    },
    /// The whole register (security service, admin, operator).
    All,
}

/// Who is acting, in which role, over what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub actor: Actor,
    pub role: Role,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("this role may not do that")]
    Forbidden,
    #[error("state the purpose of reading this record")]
    PurposeRequired,
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("the role {role} needs a scope of {expected}")]
    ScopeMismatch { role: Role, expected: &'static str },
}

impl ErrorCode for AccessError {
    fn code(&self) -> &'static str {
        match self {
            AccessError::Forbidden => "forbidden",
            AccessError::PurposeRequired => "purpose_required",
            AccessError::UnknownRole(_) => "unknown_role",
            AccessError::ScopeMismatch { .. } => "scope_mismatch",
        }
    }
}

/// Where a person belongs, as far as access is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub person: PersonId,
    pub commissariat: &'a CommissariatCode,
}

impl Place<'_> {
    fn region(&self) -> RegionCode {
        self.commissariat.region()
    }
}

fn allow(ok: bool) -> Result<(), AccessError> {
    if ok { Ok(()) } else { Err(AccessError::Forbidden) }
}

/// The fields a medical commission deals with.
pub const MEDICAL_FIELDS: [Field; 1] = [Field::FitnessCategory];

impl Principal {
    /// The command line at the register's own machine.
    pub fn operator(login: &str) -> Principal {
        Principal { actor: Actor::cli(login), role: Role::Operator, scope: Scope::All }
    }

    /// Checks that the role and scope fit together.
    pub fn check(&self) -> Result<(), AccessError> {
        let expected = match (self.role, &self.scope) {
            (Role::Citizen, Scope::Person(_)) => return Ok(()),
            (Role::Registrar | Role::MedicalCommission, Scope::Commissariat(_)) => return Ok(()),
            (Role::Supervisor, Scope::Region(_)) => return Ok(()),
            (Role::Agency, Scope::Agency { .. }) => return Ok(()),
            (Role::SecurityService | Role::Admin | Role::Operator, Scope::All) => return Ok(()),
            (Role::Citizen, _) => "a person",
            (Role::Registrar | Role::MedicalCommission, _) => "a commissariat",
            (Role::Supervisor, _) => "a region",
            (Role::Agency, _) => "an agency with measure kinds",
            (Role::SecurityService | Role::Admin | Role::Operator, _) => "the whole register",
        };
        Err(AccessError::ScopeMismatch { role: self.role, expected })
    }

    /// Whether the principal is the person themselves.
    pub fn is_self(&self, person: PersonId) -> bool {
        self.role == Role::Citizen && self.scope == Scope::Person(person)
    }

    fn covers(&self, place: &Place<'_>) -> bool {
        match &self.scope {
            Scope::Person(p) => *p == place.person,
            Scope::Commissariat(c) => c == place.commissariat,
            Scope::Region(r) => *r == place.region(),
            Scope::Agency { .. } => false,
            Scope::All => true,
        }
    }

    /// May read these fields of a person's record (and their history), stating `purpose`?
    pub fn may_read(&self, place: &Place<'_>, fields: &[Field], purpose: Option<&str>) -> Result<(), AccessError> {
        let sensitive = fields.iter().any(|f| f.is_sensitive());
        let stated = purpose.is_some_and(|p| !p.trim().is_empty());
        match self.role {
            Role::Citizen => allow(self.covers(place)),
            Role::Operator => Ok(()),
            Role::Registrar => {
                allow(self.covers(place))?;
                if sensitive && !stated { Err(AccessError::PurposeRequired) } else { Ok(()) }
            }
            Role::MedicalCommission => {
                allow(self.covers(place))?;
                allow(fields.iter().all(|f| !f.is_sensitive() || MEDICAL_FIELDS.contains(f)))?;
                if sensitive && !stated { Err(AccessError::PurposeRequired) } else { Ok(()) }
            }
            Role::Supervisor => allow(self.covers(place) && !sensitive),
            Role::SecurityService => {
                if stated {
                    Ok(())
                } else {
                    Err(AccessError::PurposeRequired)
                }
            }
            Role::Agency | Role::Admin => Err(AccessError::Forbidden),
        }
    }

    /// May create a person in, or change the fields of a person of, this place?
    pub fn may_write(&self, place: &Place<'_>, fields: &[Field]) -> Result<(), AccessError> {
        match self.role {
            Role::Operator => Ok(()),
            Role::Registrar => allow(self.covers(place)),
            Role::MedicalCommission => allow(self.covers(place) && fields.iter().all(|f| MEDICAL_FIELDS.contains(f))),
            _ => Err(AccessError::Forbidden),
        }
    }

    /// May read the summonses of a person of this place?
    pub fn may_read_summonses(&self, place: &Place<'_>, purpose: Option<&str>) -> Result<(), AccessError> {
        match self.role {
            Role::Citizen | Role::Registrar | Role::MedicalCommission | Role::Supervisor => allow(self.covers(place)),
            Role::Operator => Ok(()),
            Role::SecurityService => self.may_read(place, &[], purpose),
            Role::Agency | Role::Admin => Err(AccessError::Forbidden),
        }
    }

    /// May post summonses from, and record steps of summonses of, this commissariat?
    pub fn may_act_on_summons(&self, commissariat: &CommissariatCode) -> Result<(), AccessError> {
        match (&self.role, &self.scope) {
            (Role::Operator, _) => Ok(()),
            (Role::Registrar, Scope::Commissariat(c)) => allow(c == commissariat),
            _ => Err(AccessError::Forbidden),
        }
    }

    /// May read and answer the correction requests of this place?
    pub fn may_answer_corrections(&self, place: &Place<'_>) -> Result<(), AccessError> {
        match self.role {
            Role::Operator => Ok(()),
            Role::Registrar => allow(self.covers(place)),
            _ => Err(AccessError::Forbidden),
        }
    }

    /// May list the correction requests of this place (answering aside)?
    pub fn may_list_corrections(&self, place: &Place<'_>) -> Result<(), AccessError> {
        match self.role {
            Role::Operator => Ok(()),
            Role::Registrar | Role::Supervisor => allow(self.covers(place)),
            _ => Err(AccessError::Forbidden),
        }
    }

    /// May see measures of this kind for a person of this place?
    pub fn may_see_measure(&self, place: &Place<'_>, kind: MeasureKind) -> Result<(), AccessError> {
        match (&self.role, &self.scope) {
            (Role::Operator, _) => Ok(()),
            (Role::Agency, Scope::Agency { kinds, .. }) => allow(kinds.contains(&kind)),
            (Role::Citizen | Role::Registrar | Role::Supervisor, _) => allow(self.covers(place)),
            _ => Err(AccessError::Forbidden),
        }
    }

    /// May switch the rollout state of a region?
    pub fn may_set_rollout(&self, region: RegionCode) -> Result<(), AccessError> {
        match (&self.role, &self.scope) {
            (Role::Admin | Role::Operator, _) => Ok(()),
            (Role::Supervisor, Scope::Region(r)) => allow(*r == region),
            _ => Err(AccessError::Forbidden),
        }
    }

    /// May create, dry-run, issue and read a campaign over these regions (and, if it is limited
    /// to one, this commissariat)? A registrar only a campaign of its own commissariat; a
    /// supervisor only one within its region; an admin (and the operator) any.
    pub fn may_run_campaign(
        &self,
        regions: &[RegionCode],
        commissariat: Option<&CommissariatCode>,
    ) -> Result<(), AccessError> {
        match (&self.role, &self.scope) {
            (Role::Admin | Role::Operator, _) => Ok(()),
            (Role::Supervisor, Scope::Region(r)) => allow(!regions.is_empty() && regions.iter().all(|x| x == r)),
            (Role::Registrar, Scope::Commissariat(c)) => {
                allow(commissariat == Some(c) && regions.iter().all(|r| *r == c.region()))
            }
            _ => Err(AccessError::Forbidden),
        }
    }

    /// Which region's dashboards the principal may see: its own region (a supervisor), or every
    /// region (`None`: an admin or the operator). Dashboards hold counts, no personal data.
    pub fn dashboard_scope(&self) -> Result<Option<RegionCode>, AccessError> {
        match (&self.role, &self.scope) {
            (Role::Admin | Role::Operator, _) => Ok(None),
            (Role::Supervisor, Scope::Region(r)) => Ok(Some(*r)),
            _ => Err(AccessError::Forbidden),
        }
    }

    /// May list campaigns (each shown only if [`Principal::may_run_campaign`] allows it)?
    pub fn may_list_campaigns(&self) -> Result<(), AccessError> {
        allow(matches!(self.role, Role::Registrar | Role::Supervisor | Role::Admin | Role::Operator))
    }

    /// May manage users and keys?
    pub fn may_administer(&self) -> Result<(), AccessError> {
        allow(matches!(self.role, Role::Admin | Role::Operator))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn p(role: Role, scope: Scope) -> Principal {
        Principal { actor: Actor::cli("t"), role, scope }
    }

    #[test]
    fn a_registrar_reads_only_its_commissariat_and_sensitive_fields_with_a_purpose() {
        let own: CommissariatCode = "62-001".parse().unwrap();
        let other: CommissariatCode = "62-002".parse().unwrap();
        let r = p(Role::Registrar, Scope::Commissariat(own.clone()));
        let here = Place { person: PersonId(1), commissariat: &own };
        let there = Place { person: PersonId(2), commissariat: &other };
        assert!(r.may_read(&here, &[Field::Surname], None).is_ok());
        assert_eq!(r.may_read(&here, &[Field::Snils], None), Err(AccessError::PurposeRequired));
        assert!(r.may_read(&here, &[Field::Snils], Some("проверка данных")).is_ok());
        assert_eq!(r.may_read(&there, &[Field::Surname], Some("x")), Err(AccessError::Forbidden));
        assert!(r.may_act_on_summons(&own).is_ok());
        assert!(r.may_act_on_summons(&other).is_err());
    }

    #[test]
    fn a_security_service_reads_anything_but_only_with_a_purpose() {
        let s = p(Role::SecurityService, Scope::All);
        let c: CommissariatCode = "12-000".parse().unwrap();
        let place = Place { person: PersonId(1), commissariat: &c };
        assert_eq!(s.may_read(&place, &[Field::Surname], None), Err(AccessError::PurposeRequired));
        assert_eq!(s.may_read(&place, &[Field::Surname], Some("  ")), Err(AccessError::PurposeRequired));
        assert!(s.may_read(&place, &[Field::PassportSeries], Some("запрос №5")).is_ok());
        assert!(s.may_write(&place, &[Field::Surname]).is_err());
    }

    #[test]
    fn a_medical_commission_deals_with_fitness_only() {
        let c: CommissariatCode = "65-001".parse().unwrap();
        let m = p(Role::MedicalCommission, Scope::Commissariat(c.clone()));
        let place = Place { person: PersonId(1), commissariat: &c };
        assert!(m.may_write(&place, &[Field::FitnessCategory]).is_ok());
        assert!(m.may_write(&place, &[Field::Surname]).is_err());
        assert!(m.may_read(&place, &[Field::FitnessCategory], Some("освидетельствование")).is_ok());
        assert!(m.may_read(&place, &[Field::Snils], Some("x")).is_err());
    }

    #[test]
    fn an_agency_sees_only_its_kinds_and_no_record() {
        let c: CommissariatCode = "62-000".parse().unwrap();
        let a = p(Role::Agency, Scope::Agency { name: "border".into(), kinds: vec![MeasureKind::ExitBan] });
        let place = Place { person: PersonId(1), commissariat: &c };
        assert!(a.may_see_measure(&place, MeasureKind::ExitBan).is_ok());
        assert!(a.may_see_measure(&place, MeasureKind::CreditBan).is_err());
        assert!(a.may_read(&place, &[Field::Surname], Some("x")).is_err());
    }

    #[test]
    fn campaigns_are_run_within_the_scope() {
        let own: CommissariatCode = "62-001".parse().unwrap();
        let other: CommissariatCode = "62-002".parse().unwrap();
        let ryazan: RegionCode = "62".parse().unwrap();
        let mari: RegionCode = "12".parse().unwrap();
        let registrar = p(Role::Registrar, Scope::Commissariat(own.clone()));
        assert!(registrar.may_run_campaign(&[ryazan], Some(&own)).is_ok());
        assert!(registrar.may_run_campaign(&[ryazan], Some(&other)).is_err());
        assert!(registrar.may_run_campaign(&[ryazan], None).is_err());
        assert!(registrar.may_run_campaign(&[ryazan, mari], Some(&own)).is_err());
        let supervisor = p(Role::Supervisor, Scope::Region(ryazan));
        assert!(supervisor.may_run_campaign(&[ryazan], None).is_ok());
        assert!(supervisor.may_run_campaign(&[ryazan], Some(&other)).is_ok());
        assert!(supervisor.may_run_campaign(&[ryazan, mari], None).is_err());
        assert!(supervisor.may_run_campaign(&[], None).is_err());
        assert!(p(Role::Admin, Scope::All).may_run_campaign(&[ryazan, mari], None).is_ok());
        for role in [Role::Citizen, Role::MedicalCommission, Role::SecurityService] {
            let scope = if role == Role::MedicalCommission { Scope::Commissariat(own.clone()) } else { Scope::All };
            assert!(p(role, scope).may_run_campaign(&[ryazan], Some(&own)).is_err());
        }
    }

    #[test]
    fn scopes_must_fit_roles() {
        assert!(p(Role::Registrar, Scope::All).check().is_err());
        assert!(p(Role::Citizen, Scope::Person(PersonId(1))).check().is_ok());
        assert_eq!("medical_commission".parse::<Role>().unwrap(), Role::MedicalCommission);
    }
}
