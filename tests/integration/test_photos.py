"""Doctors' photos through the real Pillow processor and the local file store."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from dependency_injector import providers
from PIL import ExifTags, Image, ImageFile

from clinic.adapters.files import LocalFileStore
from clinic.adapters.images import PillowPhotoProcessor, decoded, opened
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.doctors import MAX_PHOTO_PIXELS, DoctorFields
from clinic.application.ports import PixelLimits
from clinic.domain.shared import ValidationFailed
from tests.acting import owner_of

RED, BLUE = (220, 20, 20), (20, 20, 220)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noisy(size: tuple[int, int]) -> Image.Image:
    """Random pixels: a JPEG of them is large enough to cut in the middle of its scan data."""
    return Image.frombytes("RGB", size, uuid.uuid4().bytes * (size[0] * size[1] * 3 // 16 + 1))


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Pocket 12"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (55.0, 45.0, 21.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (37.0, 37.0, 4.0),
    }
    data = encode(Image.new("RGB", (1200, 900), RED), "JPEG", exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # as a phone's
    return data


def process(data: bytes, limits: PixelLimits = MAX_PHOTO_PIXELS) -> dict[str, tuple[bytes, str]]:
    return PillowPhotoProcessor().square_versions(data, limits)


def photo_invalid(data: bytes, limits: PixelLimits = MAX_PHOTO_PIXELS) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as raised:
        process(data, limits)
    return raised.value.errors


def palette_bomb() -> bytes:
    """7000 x 7000 px in a few KB: 49 Mpx to decode, ~560 MB once converted."""
    data = encode(Image.new("P", (7000, 7000)), "PNG", optimize=True)
    assert len(data) < 10_000
    return data


def heic(image: Image.Image) -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    try:
        image.save(out, "HEIF", quality=80)
    except (KeyError, OSError, ValueError, RuntimeError) as error:
        pytest.skip(f"pillow_heif cannot write HEIC here: {error}")
    return out.getvalue()


def opened_images(versions: dict[str, tuple[bytes, str]]) -> dict[str, Image.Image]:
    images = {}
    for name, (data, content_type) in versions.items():
        assert content_type == "image/jpeg"
        images[name] = Image.open(io.BytesIO(data))
        assert images[name].format == "JPEG"
    return images


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


class TestPhotoProcessor:
    def test_a_phone_photo_comes_out_as_two_clean_squares_without_exif(self):
        versions = process(jpeg_with_gps())
        assert set(versions) == {"thumb", "large"}
        images = opened_images(versions)
        assert images["thumb"].size == (160, 160)
        assert images["large"].size == (640, 640)
        for name, image in images.items():
            data = versions[name][0]
            assert len(image.getexif()) == 0, name
            assert "exif" not in image.info, name
            assert b"Exif" not in data and b"PhoneCo" not in data, name
            assert image.mode == "RGB" and close_to(image.getpixel((80, 80)), RED), name

    def test_a_png_with_transparency_is_accepted(self):
        image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
        image.paste((20, 200, 20, 255), (50, 50, 250, 250))
        images = opened_images(process(encode(image, "PNG")))
        assert images["large"].mode == "RGB" and images["large"].size == (640, 640)
        assert close_to(images["large"].getpixel((320, 320)), (20, 200, 20))

    def test_a_palette_png_is_accepted(self):
        image = Image.new("RGB", (200, 120), BLUE).convert("P")
        images = opened_images(process(encode(image, "PNG")))
        assert close_to(images["thumb"].getpixel((80, 80)), BLUE)

    def test_a_webp_is_accepted(self):
        data = encode(Image.new("RGB", (320, 480), BLUE), "WEBP", quality=80)
        images = opened_images(process(data))
        assert images["thumb"].size == (160, 160)
        assert close_to(images["thumb"].getpixel((80, 80)), BLUE)

    def test_a_small_photo_is_scaled_up_to_the_sizes(self):
        data = encode(Image.new("RGB", (40, 30), RED), "JPEG")
        images = opened_images(process(data))
        assert (images["thumb"].size, images["large"].size) == ((160, 160), (640, 640))

    def test_a_portrait_turned_by_exif_comes_out_upright(self):
        # Stored sideways, as a phone held upright writes it: the left half (red) is the top of
        # the picture, and EXIF orientation 6 says "turn 90° clockwise to show".
        sideways = Image.new("RGB", (800, 400), BLUE)
        sideways.paste(RED, (0, 0, 400, 400))
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = 6
        versions = process(encode(sideways, "JPEG", exif=exif))
        large = opened_images(versions)["large"]
        assert close_to(large.getpixel((320, 60)), RED)  # top
        assert close_to(large.getpixel((320, 580)), BLUE)  # bottom
        assert close_to(large.getpixel((60, 60)), RED) and close_to(large.getpixel((580, 60)),
                                                                    RED)
        assert len(large.getexif()) == 0

    @pytest.mark.parametrize("data", [
        b"Dear doctor,\nthis is not a photo.\n", b"", b"\xff\xd8\xff", b"%PDF-1.7\n%\xe2\xe3",
        b"GIF89a",
    ], ids=["text", "empty", "jpeg-magic-only", "pdf", "gif-header-only"])
    def test_what_is_not_an_image_is_refused(self, data):
        assert photo_invalid(data) == {"photo": "photo_invalid"}

    def test_a_truncated_jpeg_is_refused(self):
        whole = encode(noisy((400, 300)), "JPEG", quality=95)
        assert photo_invalid(whole[: len(whole) // 2]) == {"photo": "photo_invalid"}

    @pytest.mark.parametrize("size", [(4200, 3100), (7000, 7000), (20000, 10000)],
                             ids=["just-over-the-limit", "7000-squared", "over-pillows-limit"])
    def test_an_image_of_too_many_pixels_is_refused(self, size):
        assert size[0] * size[1] > MAX_PHOTO_PIXELS.photo
        data = encode(Image.new("1", size), "PNG")  # tiny on disk, huge in memory
        assert len(data) < 1_000_000
        assert photo_invalid(data) == {"photo": "photo_too_many_pixels"}

    @pytest.mark.parametrize("size", [(4032, 3024), (4080, 3072), (3024, 4032)])
    def test_a_phones_12_megapixel_photo_fits(self, size):
        images = opened_images(process(encode(Image.new("RGB", size, BLUE), "JPEG")))
        assert close_to(images["large"].getpixel((320, 320)), BLUE)

    def test_a_webp_has_a_lower_limit_its_decoder_needs_four_times_the_memory(self):
        at_limit = encode(Image.new("RGB", (3000, 2000), BLUE), "WEBP", lossless=True)
        assert opened_images(process(at_limit))["thumb"].size == (160, 160)
        over = encode(Image.new("RGB", (3000, 2001), BLUE), "WEBP", lossless=True)
        assert photo_invalid(over) == {"photo": "webp_too_many_pixels"}

    def test_the_pixels_are_counted_from_the_header_before_anything_is_decoded(
            self, monkeypatch):
        def no_decoding(image):
            raise AssertionError(f"{image.format} decoded")

        monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
        assert photo_invalid(palette_bomb()) == {"photo": "photo_too_many_pixels"}
        jpeg = encode(Image.new("RGB", (4200, 3100), RED), "JPEG")
        assert photo_invalid(jpeg) == {"photo": "photo_too_many_pixels"}
        webp = encode(Image.new("RGB", (3000, 2001), RED), "WEBP", lossless=True)
        assert photo_invalid(webp) == {"photo": "webp_too_many_pixels"}

    def test_a_heic_is_measured_before_it_is_decoded_too(self, monkeypatch):
        from pillow_heif import as_plugin

        data = heic(Image.new("RGB", (480, 640), RED))  # 307,200 px against a lower limit
        monkeypatch.setattr(as_plugin._LibHeifImageFile, "load", lambda image: pytest.fail(
            "the HEIC was decoded"))
        limits = PixelLimits(photo=300_000, webp=300_000)
        assert photo_invalid(data, limits) == {"photo": "photo_too_many_pixels"}

    def test_a_jpeg_at_the_limit_is_accepted_and_decoded_at_a_quarter_of_its_size(self):
        data = encode(noisy((4160, 3120)), "JPEG", quality=80)
        assert MAX_PHOTO_PIXELS.photo >= 4160 * 3120 and len(data) < 10 * 1024 * 1024
        small = decoded(opened(data, MAX_PHOTO_PIXELS))
        assert small.size == (780, 780)  # the decoder's 1/4 scale, cut to its centre square
        images = opened_images(process(data))
        assert images["large"].size == (640, 640) and images["thumb"].size == (160, 160)

    def test_a_png_at_the_limit_is_accepted_and_reduced_at_once(self):
        image = Image.new("RGBA", (4000, 3000), (0, 0, 0, 0))
        image.paste((20, 200, 20, 255), (1500, 1000, 2500, 2000))
        data = encode(image, "PNG")
        small = decoded(opened(data, MAX_PHOTO_PIXELS))
        assert small.size == (750, 750) and small.mode == "RGBA"  # 3000 px square / 4
        large = opened_images(process(data))["large"]
        assert close_to(large.getpixel((320, 320)), (20, 200, 20))
        assert large.getpixel((5, 5)) >= (250, 250, 250)  # transparent: white

    def test_a_palette_png_is_reduced_in_colour_not_in_palette_indices(self):
        image = Image.new("RGB", (2000, 1400), BLUE)
        image.paste(RED, (0, 0, 1000, 1400))
        small = decoded(opened(encode(image.convert("P"), "PNG"), MAX_PHOTO_PIXELS))
        assert small.mode == "RGB" and small.size == (700, 700)
        assert close_to(small.getpixel((100, 350)), RED)
        assert close_to(small.getpixel((600, 350)), BLUE)

    def test_a_cameras_mpo_jpeg_is_accepted(self):
        out = io.BytesIO()
        Image.new("RGB", (800, 600), RED).save(out, "MPO", save_all=True,
                                               append_images=[Image.new("RGB", (800, 600))])
        assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
        assert close_to(opened_images(process(out.getvalue()))["large"].getpixel((320, 320)),
                        RED)

    @pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
    def test_only_the_formats_a_phone_or_camera_gives_are_decoded(self, fmt):
        assert photo_invalid(encode(Image.new("RGB", (300, 300), RED), fmt)) == {
            "photo": "photo_invalid"}

    def test_a_heic_photo_from_an_iphone_is_accepted(self):
        pillow_heif = pytest.importorskip("pillow_heif")
        pillow_heif.register_heif_opener()
        out = io.BytesIO()
        try:
            Image.new("RGB", (480, 640), RED).save(out, "HEIF", quality=80)
        except (KeyError, OSError, ValueError, RuntimeError) as error:
            pytest.skip(f"pillow_heif cannot write HEIC here: {error}")
        data = out.getvalue()
        assert data[4:8] == b"ftyp" and b"heic" in data[8:32]
        images = opened_images(process(data))
        assert images["large"].size == (640, 640)
        assert close_to(images["large"].getpixel((320, 320)), RED)


class SlowProcessor:
    """Takes as long as four uploads need to be processing at the same moment."""

    def __init__(self, uploads: int) -> None:
        self.together = threading.Barrier(uploads, timeout=20)

    def square_versions(self, data: bytes,
                        limits: PixelLimits) -> dict[str, tuple[bytes, str]]:
        self.together.wait()
        return process(data, limits)


class TestSetDoctorPhoto:
    """The use case with the real processor, file store and databases."""

    @pytest.fixture
    def clinic(self, container):
        signed_in = container.sign_up()(SignUpCommand(
            "Smile", "Anna Petrova", "anna@example.com", "correct horse", "en",
            "Europe/Moscow"))
        doctors = [container.save_doctor()(signed_in.clinic_id, signed_in.user_id,
                                           DoctorFields(f"Doctor {n}")) for n in range(4)]
        return signed_in.clinic_id, doctors

    def test_a_photo_bomb_is_refused_and_nothing_is_stored(self, container, clinic):
        clinic_id, doctors = clinic
        with pytest.raises(ValidationFailed) as raised:
            container.set_doctor_photo()(clinic_id, owner_of(container, clinic_id),
                doctors[0].id, palette_bomb())
        assert raised.value.errors == {"photo": "photo_too_many_pixels"}
        with container.uow(clinic_id) as uow:
            assert uow.doctors.get(doctors[0].id).photo_version == 0
        files = container.settings().files_dir
        assert not [p for p in files.rglob("*") if p.is_file()] if files.exists() else True

    def test_four_photos_processed_at_the_same_moment_are_all_saved(self, container, clinic):
        clinic_id, doctors = clinic
        container.photo_processor.override(providers.Object(SlowProcessor(len(doctors))))
        photo = encode(Image.new("RGB", (900, 600), BLUE), "JPEG")
        failures: list[BaseException] = []

        def upload(doctor_id: uuid.UUID) -> None:
            try:
                container.set_doctor_photo()(clinic_id, owner_of(container, clinic_id),
                    doctor_id, photo)
            except BaseException as error:  # the test reports whatever it was
                failures.append(error)

        threads = [threading.Thread(target=upload, args=(d.id,)) for d in doctors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with container.uow(clinic_id) as uow:
            assert [uow.doctors.get(d.id).photo_version for d in doctors] == [1, 1, 1, 1]
        for doctor in doctors:
            assert container.load_doctor_photo()(clinic_id, owner_of(container, clinic_id),
                doctor.id, "large") is not None


class TestLocalFileStore:
    @pytest.fixture
    def store(self, tmp_path):
        return LocalFileStore(tmp_path / "files")

    @pytest.fixture
    def prefix(self):
        return f"{uuid.uuid4()}/doctors/{uuid.uuid4()}"

    def test_a_file_reads_back_with_its_content_type(self, store, prefix):
        store.save(f"{prefix}/thumb", b"\xff\xd8jpeg", "image/jpeg")
        assert store.load(f"{prefix}/thumb") == (b"\xff\xd8jpeg", "image/jpeg")

    def test_saving_again_replaces_the_file(self, store, prefix):
        store.save(f"{prefix}/thumb", b"old", "image/jpeg")
        store.save(f"{prefix}/thumb", b"new", "image/png")
        assert store.load(f"{prefix}/thumb") == (b"new", "image/png")

    def test_a_missing_file_is_none(self, store, prefix):
        assert store.load(f"{prefix}/thumb") is None

    def test_deleting_a_prefix_removes_everything_under_it_and_nothing_else(self, store, prefix):
        other = f"{prefix.split('/')[0]}/doctors/{uuid.uuid4()}"
        for key in (f"{prefix}/thumb", f"{prefix}/large", f"{other}/thumb"):
            store.save(key, b"x", "image/jpeg")
        store.delete_prefix(f"{prefix}/")
        assert store.load(f"{prefix}/thumb") is None and store.load(f"{prefix}/large") is None
        assert store.load(f"{other}/thumb") == (b"x", "image/jpeg")
        store.delete_prefix(f"{prefix}/")  # deleting what is gone is fine

    def test_files_stay_under_the_root(self, tmp_path, store, prefix):
        store.save(f"{prefix}/thumb", b"x", "image/jpeg")
        written = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert written and all(p.is_relative_to(tmp_path / "files") for p in written)

    @pytest.mark.parametrize("key", [
        "../x", "../../etc/passwd", "/etc/passwd", "x/thumb", "doctors/thumb", "",
        "{uuid}/../x", "{uuid}/../../x", "{uuid}/doctors/../../../x", "{uuid}/./thumb",
        "{uuid}/doctors/Thumb", "{uuid}/thumb.jpg", "{uuid}//thumb", "{uuid}\\..\\x",
        "{UUID}/thumb", "{uuid}x/thumb", " {uuid}/thumb",
    ])
    def test_a_key_that_is_not_a_clinic_uuid_and_plain_segments_is_refused(
            self, tmp_path, store, key):
        clinic = uuid.uuid4()
        key = key.format(uuid=clinic, UUID=str(clinic).upper())
        with pytest.raises(ValueError, match="unsafe file key"):
            store.save(key, b"x", "text/plain")
        with pytest.raises(ValueError, match="unsafe file key"):
            store.load(key)
        assert not list(tmp_path.rglob("*.meta"))

    def test_deleting_an_unsafe_prefix_is_refused(self, store):
        for prefix in ("../", "/", "", "../../"):
            with pytest.raises(ValueError, match="unsafe file key"):
                store.delete_prefix(prefix)

    def test_the_keys_under_a_prefix_are_the_files_saved_there_sorted(self, store, prefix):
        clinic = prefix.split("/")[0]
        other = f"{uuid.uuid4()}/doctors/{uuid.uuid4()}"
        for key in (f"{prefix}/v2/thumb", f"{prefix}/v1/large", f"{clinic}/billing-test/x",
                    f"{other}/thumb"):
            store.save(key, b"x", "image/jpeg")
        if isinstance(store, LocalFileStore):
            (store.root / prefix / "v2" / "large.tmp").write_bytes(b"half")  # a save under way
        assert store.keys(f"{clinic}/") == [f"{clinic}/billing-test/x", f"{prefix}/v1/large",
                                            f"{prefix}/v2/thumb"]
        assert store.keys(f"{prefix}/v2/") == [f"{prefix}/v2/thumb"]
        assert store.keys(f"{uuid.uuid4()}/") == []
        with pytest.raises(ValueError, match="unsafe file key"):
            store.keys("../")


def test_a_transparent_background_becomes_white_not_black():
    source = io.BytesIO()
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)).save(source, "PNG")
    thumb, _ = process(source.getvalue())["thumb"]
    assert Image.open(io.BytesIO(thumb)).getpixel((5, 5)) >= (250, 250, 250)


class TestS3FileStore(TestLocalFileStore):
    """The same contract on S3-compatible storage (boto3 against moto's server), and the
    bucket stays private."""

    @pytest.fixture
    def store(self, s3_endpoint, s3_bucket):
        from clinic.adapters.object_store import s3_file_store

        return s3_file_store(f"s3://{s3_bucket}/clinics", s3_endpoint)

    def test_files_stay_under_the_root(self, store, prefix):
        store.save(f"{prefix}/thumb", b"x", "image/jpeg")
        listed = store.client.list_objects_v2(Bucket=store.bucket)["Contents"]
        assert [item["Key"] for item in listed] == [f"clinics/{prefix}/thumb"]

    def test_keys_list_a_prefix_past_one_page(self, store, prefix):
        for n in range(1003):  # more than one ListObjectsV2 page and one DeleteObjects batch
            store.client.put_object(Bucket=store.bucket, Key=f"clinics/{prefix}/p{n}",
                                    Body=b"x")
        assert len(store.keys(f"{prefix}/")) == 1003
        store.delete_prefix(f"{prefix}/")
        assert store.keys(f"{prefix}/") == []

    def test_the_bucket_is_not_public(self, store):
        grants = store.client.get_bucket_acl(Bucket=store.bucket)["Grants"]
        assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}).get("URI"))]

    def test_the_store_is_chosen_by_file_store_url(self, s3_endpoint, s3_bucket, tmp_path):
        from clinic.adapters.object_store import S3FileStore
        from tests.integration.conftest import make_container, make_settings

        container = make_container(make_settings(
            "sqlite://", tmp_path, file_store_url=f"s3://{s3_bucket}/x",
            s3_endpoint_url=s3_endpoint))
        assert isinstance(container.file_store(), S3FileStore)
        with pytest.raises(ValueError, match="s3://bucket/prefix"):
            from clinic.adapters.object_store import s3_file_store
            s3_file_store("https://bucket/x")


def test_a_photo_saved_by_one_server_is_served_by_another_through_s3(
        database_url, s3_endpoint, s3_bucket, tmp_path):
    """Two app servers (two containers, each its own instance folder) sharing the database
    and the bucket: what one stores, the other serves; nothing lands on either's disk."""
    from clinic.adapters.object_store import S3FileStore
    from tests.integration.conftest import make_container, make_settings

    servers = [make_container(make_settings(
        database_url, tmp_path / name, file_store_url=f"s3://{s3_bucket}/chairside",
        s3_endpoint_url=s3_endpoint)) for name in ("one", "two")]
    one, two = servers
    signed_in = one.sign_up()(SignUpCommand("Smile", "Anna Petrova", "anna@example.com",
                                            "correct horse", "en", "Europe/Moscow"))
    clinic_id = signed_in.clinic_id
    doctor = one.save_doctor()(clinic_id, signed_in.user_id, DoctorFields("Dr Ivanova"))
    one.set_doctor_photo()(clinic_id, signed_in.user_id, doctor.id,
                           encode(noisy((800, 600)), "JPEG"))
    served = two.load_doctor_photo()(clinic_id, owner_of(two, clinic_id), doctor.id, "large")
    assert served is not None and served[1] == "image/jpeg" and served[0][:2] == b"\xff\xd8"
    assert isinstance(two.file_store(), S3FileStore)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and "files" in p.parts]
    for server in servers:
        server.engine().dispose()
