<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api\Data;

/**
 * What the reservations belong to; stored as the MSI reservation metadata, so the
 * placement and its release form one zero-sum group the MSI cleanup cron removes.
 *
 * @api
 */
interface MetadataInterface
{
    public const EVENT_TYPE = 'event_type';
    public const OBJECT_TYPE = 'object_type';
    public const OBJECT_ID = 'object_id';

    /**
     * @return string
     */
    public function getEventType(): string;

    /**
     * @param string $eventType
     * @return $this
     */
    public function setEventType(string $eventType): self;

    /**
     * @return string
     */
    public function getObjectType(): string;

    /**
     * @param string $objectType
     * @return $this
     */
    public function setObjectType(string $objectType): self;

    /**
     * @return string
     */
    public function getObjectId(): string;

    /**
     * @param string $objectId
     * @return $this
     */
    public function setObjectId(string $objectId): self;
}
