"""Add and change doctors, and their photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clinic.application.authorization import authorize
from clinic.application.ports import (
    Clock,
    FileStore,
    PhotoProcessor,
    PixelLimits,
    UnitOfWorkFactory,
)
from clinic.domain.catalog import Doctor, color_error, pick_color, text_error
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A doctor's photo is shown at 640 px at most. A phone's 12-megapixel photo (4000 x 3000,
# 4032 x 3024, 4080 x 3072) fits; bigger ones are refused before they are decoded, which costs
# 4 bytes a pixel (a PNG), ~10 (a HEIC) and ~16 (a WebP, so fewer of its pixels are allowed):
# four uploads at once keep a web worker under 300 MB (scripts/measure_photo_bombs.py).
MAX_PHOTO_PIXELS = PixelLimits(photo=13_000_000, webp=6_000_000)
PHOTO_SIZES = ("thumb", "large")


@dataclass(frozen=True)
class DoctorFields:
    name: str
    color: str = ""  # empty: pick one no other active doctor has


def photo_key(clinic_id: uuid.UUID, doctor_id: uuid.UUID, size: str, version: int) -> str:
    """Each upload gets new files, so a failed save never replaces the photo in use."""
    return f"{clinic_id}/doctors/{doctor_id}/v{version}/{size}"


class SaveDoctor:
    requires = Permission.CATALOG_EDIT

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, fields: DoctorFields,
                 doctor_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None) -> Doctor:
        color = fields.color.strip().lower()
        errors = {k: v for k, v in (("name", text_error(fields.name)),
                                    ("color", color and color_error(color))) if v}
        if errors:
            raise ValidationFailed(errors)
        name = " ".join(fields.name.split())
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            if doctor_id is None:
                color = color or pick_color([d.color for d in uow.doctors.list()])
                doctor = Doctor(clinic_id, name, color, created_at=self.clock.now(),
                                user_id=user_id)
                uow.doctors.add(doctor)
            else:
                found = uow.doctors.get(doctor_id)
                if found is None:
                    raise NotFound()
                doctor = found
                doctor.name = name
                doctor.color = color or doctor.color
            uow.commit()
            return doctor


class SetDoctorPhoto:
    """Check the upload is an image, re-encode it (no EXIF, no GPS) and keep two square sizes."""

    requires = Permission.CATALOG_EDIT

    def __init__(self, uow_factory: UnitOfWorkFactory, files: FileStore,
                 processor: PhotoProcessor) -> None:
        self.uow_factory = uow_factory
        self.files = files
        self.processor = processor

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, doctor_id: uuid.UUID,
                 data: bytes) -> Doctor:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            if uow.doctors.get(doctor_id) is None:  # first: another clinic's id learns nothing
                raise NotFound()
        if not data:
            raise ValidationFailed({"photo": "required"})
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationFailed({"photo": "photo_too_large"})
        # The slow part holds no transaction: other writers of the clinic do not wait for it
        # (on SQLite they failed with "database is locked" when they did).
        versions = self.processor.square_versions(data, MAX_PHOTO_PIXELS)
        with self.uow_factory(clinic_id) as uow:
            uow.claim_clinic()  # one photo written at a time: the version read is the latest
            doctor = uow.doctors.get(doctor_id)
            if doctor is None:
                raise NotFound()
            old, new = doctor.photo_version, doctor.photo_version + 1
            for size, (content, content_type) in versions.items():
                self.files.save(photo_key(clinic_id, doctor_id, size, new), content,
                                content_type)
            doctor.photo_version = new
            uow.commit()
        if old:
            self.files.delete_prefix(f"{clinic_id}/doctors/{doctor_id}/v{old}/")
        return doctor


class RemoveDoctorPhoto:
    requires = Permission.CATALOG_EDIT

    def __init__(self, uow_factory: UnitOfWorkFactory, files: FileStore) -> None:
        self.uow_factory = uow_factory
        self.files = files

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, doctor_id: uuid.UUID) -> None:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            doctor = uow.doctors.get(doctor_id)
            if doctor is None:
                raise NotFound()
            doctor.photo_version = 0
            uow.commit()
        self.files.delete_prefix(f"{clinic_id}/doctors/{doctor_id}/")


class LoadDoctorPhoto:
    """The stored photo of a doctor of this clinic, or None."""

    requires = Permission.CATALOG_READ

    def __init__(self, uow_factory: UnitOfWorkFactory, files: FileStore) -> None:
        self.uow_factory = uow_factory
        self.files = files

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, doctor_id: uuid.UUID,
                 size: str) -> tuple[bytes, str] | None:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            if size not in PHOTO_SIZES:
                return None
            doctor = uow.doctors.get(doctor_id)
            if doctor is None or not doctor.has_photo:
                return None
            version = doctor.photo_version
        return self.files.load(photo_key(clinic_id, doctor_id, size, version))
